//! Permissionless cranks anyone may run.

pub mod process_redemptions;
pub mod sweep_protocol_fees;

#[allow(ambiguous_glob_reexports)]
pub use {process_redemptions::*, sweep_protocol_fees::*};
