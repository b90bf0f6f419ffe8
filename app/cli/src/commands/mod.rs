//! One module per command group; each has its clap enum and a `run` that returns a report.

pub mod arbiter;
pub mod bid;
pub mod job;
pub mod lease;
pub mod market;
pub mod node;
pub mod pool;
pub mod protocol;
pub mod provider;
pub mod stake;
