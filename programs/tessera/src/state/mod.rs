//! On-chain accounts, one file each, and the seeds that address them.

pub mod bid;
pub mod lease;
pub mod node;
pub mod pool;
pub mod protocol;
pub mod provider;
pub mod redemption_ticket;
pub mod seeds;
pub mod stake_pool;
pub mod stake_position;

pub use bid::*;
pub use lease::*;
pub use node::*;
pub use pool::*;
pub use protocol::*;
pub use provider::*;
pub use redemption_ticket::*;
pub use stake_pool::*;
pub use stake_position::*;
