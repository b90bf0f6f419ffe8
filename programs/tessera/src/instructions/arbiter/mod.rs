//! The arbiter: dispute resolution.

pub mod resolve_dispute;

#[allow(ambiguous_glob_reexports)]
pub use resolve_dispute::*;
