//! `tessera-indexer`: Tessera's accounts and events in PostgreSQL, followed from a node's
//! JSON-RPC and websocket ([`source`]) or a Yellowstone gRPC stream ([`geyser`]), with a read API for market search, pools, receipts and
//! wallets' positions and statements ([`api`]); [`service`] runs both.

pub mod api;
pub mod db;
pub mod geyser;
pub mod index;
pub mod rows;
pub mod service;
pub mod source;
