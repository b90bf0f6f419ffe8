//! The arbiter: dispute resolution and provider standing.

pub mod resolve_dispute;
pub mod set_provider_status;

#[allow(ambiguous_glob_reexports)]
pub use {resolve_dispute::*, set_provider_status::*};
