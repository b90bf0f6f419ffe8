//! On-chain accounts, one file each, and the seeds that address them.

pub mod bid;
pub mod image;
pub mod lease;
pub mod lease_books;
pub mod node;
pub mod pool;
pub mod pool_ledger;
pub mod protocol;
pub mod provider;
pub mod redemption_ticket;
pub mod revenue;
pub mod seeds;
pub mod stake_pool;
pub mod stake_position;

pub use bid::*;
pub use lease::*;
pub use lease_books::*;
pub use node::*;
pub use pool::*;
pub use protocol::*;
pub use provider::*;
pub use redemption_ticket::*;
pub use revenue::*;
pub use stake_pool::*;
pub use stake_position::*;
