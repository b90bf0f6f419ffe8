//! `tessera-indexer`: Tessera's accounts and events in PostgreSQL, followed from a node's
//! JSON-RPC and websocket ([`source`]), with a read API for market search, pools, receipts and
//! wallets' statements ([`api`]).

pub mod api;
pub mod db;
pub mod idl;
pub mod index;
pub mod rows;
pub mod source;
