//! Protocol authority: initialisation, bounded parameters changed after a notice period,
//! two-step authority transfer, pause.

pub mod accept_authority;
pub mod apply_params;
pub mod cancel_params;
pub mod initialize_protocol;
pub mod propose_params;
pub mod set_paused;
pub mod transfer_authority;

#[allow(ambiguous_glob_reexports)]
pub use {
    accept_authority::*, apply_params::*, cancel_params::*, initialize_protocol::*,
    propose_params::*, set_paused::*, transfer_authority::*,
};
