//! Events of protocol administration.

use anchor_lang::prelude::*;

use crate::state::{ParamsChange, ProtocolParams};

/// The protocol was initialised.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProtocolInitialized {
    /// First authority.
    pub authority: Pubkey,
    /// Settlement stablecoin.
    pub settlement_mint: Pubkey,
    /// Protocol token.
    pub stake_mint: Pubkey,
    /// Treasury token account.
    pub treasury: Pubkey,
    /// Arbiter.
    pub arbiter: Pubkey,
    /// Parameters in force.
    pub params: ProtocolParams,
}

/// A change of parameters, treasury or arbiter was proposed; it applies at `effective_at`.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsProposed {
    /// Parameters in force until then.
    pub current_params: ProtocolParams,
    /// The proposal.
    pub change: ParamsChange,
}

/// A pending change was withdrawn.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsCancelled {
    /// The withdrawn proposal.
    pub change: ParamsChange,
}

/// Parameters, treasury or arbiter changed (a proposal applied after its notice).
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParamsUpdated {
    /// Parameters before.
    pub old_params: ProtocolParams,
    /// Parameters after.
    pub new_params: ProtocolParams,
    /// Treasury before.
    pub old_treasury: Pubkey,
    /// Treasury after.
    pub new_treasury: Pubkey,
    /// Arbiter before.
    pub old_arbiter: Pubkey,
    /// Arbiter after.
    pub new_arbiter: Pubkey,
}

/// A new authority was proposed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorityTransferProposed {
    /// Current authority.
    pub authority: Pubkey,
    /// Proposed authority (None cancels a proposal).
    pub pending_authority: Option<Pubkey>,
}

/// The proposed authority accepted.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuthorityTransferred {
    /// Authority before.
    pub old_authority: Pubkey,
    /// Authority after.
    pub new_authority: Pubkey,
}

/// The pause switch changed.
#[event]
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PausedSet {
    /// Before.
    pub was_paused: bool,
    /// After.
    pub paused: bool,
}
