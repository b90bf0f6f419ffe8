//! Leases: opening, top-ups, usage receipts, settlement, disputes and closing, plus the pieces
//! those share with bids and the arbiter.

pub mod close_lease;
pub mod dispute;
pub mod open_lease;
pub mod settle;
pub mod submit_receipt;
pub mod top_up_lease;

#[allow(ambiguous_glob_reexports)]
pub use {
    close_lease::*, dispute::*, open_lease::*, settle::*, submit_receipt::*, top_up_lease::*,
};
