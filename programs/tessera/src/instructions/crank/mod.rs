//! Permissionless cranks anyone may run.

pub mod process_redemptions;

#[allow(ambiguous_glob_reexports)]
pub use process_redemptions::*;
