//! On-chain accounts, one file each, and the seeds that address them.

pub mod pool;
pub mod protocol;
pub mod redemption_ticket;
pub mod seeds;
pub mod stake_pool;
pub mod stake_position;

pub use pool::*;
pub use protocol::*;
pub use redemption_ticket::*;
pub use stake_pool::*;
pub use stake_position::*;
