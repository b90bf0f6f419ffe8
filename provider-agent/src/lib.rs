//! The Tessera provider agent (`tessera-agent`): discovers and samples the rig's GPUs (NVML, or a
//! clearly labelled simulated backend), runs leased jobs with limits, meters each period, and
//! posts agent-signed usage receipts through a durable outbox so no receipt is lost or charged
//! twice across crashes and RPC outages.

pub mod agent;
pub mod attribution;
pub mod benchmark;
pub mod billing;
pub mod config;
pub mod daemon;
pub mod datadir;
pub mod gpu;
pub mod metering;
pub mod metrics;
pub mod onboarding;
pub mod outbox;
pub mod registration;
pub mod runner;
