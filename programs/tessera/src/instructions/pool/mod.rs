//! Investors and operators: pools, deposits, redemptions and capital.

pub mod claim_operator_fees;
pub mod claim_redemption;
pub mod create_pool;
pub mod deposit;
pub mod draw_capital;
pub mod redeem;
pub mod repay_capital;
pub mod request_redemption;
pub mod write_down;

#[allow(ambiguous_glob_reexports)]
pub use {
    claim_operator_fees::*, claim_redemption::*, create_pool::*, deposit::*, draw_capital::*,
    redeem::*, repay_capital::*, request_redemption::*, write_down::*,
};
