//! `tessera-localnet`: a development chain for Tessera. The program (run natively, not in the
//! SBF VM) and the real SPL Token programs in an in-process bank ([`bank::LocalChain`]),
//! served over Solana's JSON-RPC and websocket API ([`rpc`]) so that the CLI, the agent,
//! `@solana/kit`, wallets and the web app work against it; the demo ([`demo`]); the rig
//! self-check ([`selfcheck`]); and the seeded
//! world ([`seed`]) the tests, the demo and `--seed demo` start from.

#![allow(deprecated)] // the Solana RPC type crates are marked agave-unstable-api.

pub mod bank;
pub mod blocks;
pub mod demo;
pub mod rpc;
pub mod seed;
pub mod selfcheck;
pub mod token;
pub mod trial;
pub mod world;

pub use bank::LocalChain;
pub use rpc::{serve, ClockMode, Endpoint, Options};
