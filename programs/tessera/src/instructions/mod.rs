//! Instruction handlers, grouped by the actor that calls them.

pub mod admin;
pub mod arbiter;
pub mod bid;
pub mod crank;
pub mod lease;
pub mod pool;
pub mod provider;
pub mod shared;
pub mod staking;
pub mod token;

#[allow(ambiguous_glob_reexports)]
pub use {
    admin::*, arbiter::*, bid::*, crank::*, lease::*, pool::*, provider::*, shared::*, staking::*,
};
