//! Instruction handlers, grouped by the actor that calls them.

pub mod admin;
pub mod crank;
pub mod pool;
pub mod staking;
pub mod token;

#[allow(ambiguous_glob_reexports)]
pub use {admin::*, crank::*, pool::*, staking::*};
