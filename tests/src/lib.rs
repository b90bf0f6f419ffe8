//! Test harness for the Tessera program: an in-process bank running the program natively and
//! the real SPL Token program, a [`fixture::Fixture`] that builds the world in one call, typed
//! instruction builders, event decoding, and the ledger invariants asserted after every
//! transaction.
#![allow(deprecated)] // solana-program-test 3.1 marks its API as unstable (agave-unstable-api).

pub mod compute;
pub mod fixture;
pub mod invariants;
pub mod market;
pub mod model;

pub use fixture::{Fixture, Investor, TxError};
pub use tessera_client::instructions as builders;
pub use tessera_client::instructions::PoolKeys;

/// Anchor's offset for a program's custom error codes.
pub const ERROR_OFFSET: u32 = anchor_lang::error::ERROR_CODE_OFFSET;

/// The numeric code of a program error as it appears in a failed transaction.
pub fn code(e: tessera::error::TesseraError) -> u32 {
    ERROR_OFFSET + e as u32
}

/// The numeric code of one of Anchor's framework errors.
pub fn anchor_code(e: anchor_lang::error::ErrorCode) -> u32 {
    e as u32
}
