//! Providers: registration, nodes, benchmark attestations.

pub mod attest_benchmark;
pub mod register_node;
pub mod register_provider;
pub mod update_node;

#[allow(ambiguous_glob_reexports)]
pub use {attest_benchmark::*, register_node::*, register_provider::*, update_node::*};
