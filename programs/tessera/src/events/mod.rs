//! Events, past-tense, carrying keys plus the values before and after each change.

pub mod admin;
pub mod emit;
pub mod market;
pub mod pool;
pub mod stake;

pub use admin::*;
pub use emit::emit;
pub use market::*;
pub use pool::*;
pub use stake::*;
