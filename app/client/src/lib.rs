//! Rust SDK for Tessera: account addresses, typed instruction builders for every instruction
//! (including the Ed25519 precompile + receipt pair), account decoding, pool metrics, and a
//! [`chain::Chain`] trait with its RPC back end ([`rpc::RpcChain`]). The in-process chain lives
//! in `tessera-localnet`; this crate compiles no validator runtime.
//!
//! Addresses and wire formats come from the program crate itself (`tessera::seeds`,
//! `tessera::signed`), so they exist once.
//!
//! ```
//! use solana_sdk::pubkey::Pubkey;
//! use tessera_client::instructions::{self, PoolKeys};
//!
//! let operator = Pubkey::new_unique();
//! let pool = PoolKeys::derive(operator, 1);
//! let investor = Pubkey::new_unique();
//! let ix = instructions::deposit(&pool, &instructions::InvestorAccounts { investor, token: Pubkey::new_unique(), shares: Pubkey::new_unique() }, 1_000_000, 0);
//! assert_eq!(ix.program_id, tessera::ID);
//! ```

pub mod accounts;
pub mod chain;
pub mod error;
pub mod events;
pub mod idl;
pub mod indexer;
pub mod instructions;
pub mod job;
pub mod keypair;
pub mod metrics;
pub mod paths;
pub mod rpc;
pub mod statement;
pub mod tokens;
pub mod units;

pub use chain::Chain;
pub use error::ClientError;
/// Address derivation, re-exported from the program crate.
pub use tessera::seeds as pda;
/// The program's account types and id, re-exported so readers need no program crate.
pub use tessera::{state, ID};
