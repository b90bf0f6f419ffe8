//! Protocol authority: initialisation, bounded parameters, two-step authority transfer, pause.

pub mod accept_authority;
pub mod initialize_protocol;
pub mod set_params;
pub mod set_paused;
pub mod transfer_authority;

#[allow(ambiguous_glob_reexports)]
pub use {
    accept_authority::*, initialize_protocol::*, set_params::*, set_paused::*,
    transfer_authority::*,
};
