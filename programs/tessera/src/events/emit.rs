//! How an event reaches readers: a self-CPI the program signs as its event authority.

use anchor_lang::prelude::*;
use anchor_lang::solana_program::instruction::{AccountMeta, Instruction};
use anchor_lang::solana_program::program::invoke_signed;
use std::io::Write;

use crate::error::TesseraError;
use crate::state::image::Image;

/// The most an event's data may take: the largest, `LeaseOpened` with a 200-byte job URI, is
/// under 400 bytes.
const MAX_EVENT_LEN: usize = 1_024;

/// Emits `event` as Anchor's `emit_cpi!` does: a self-CPI signed by the event authority whose
/// data is the event tag, the event's discriminator and its Borsh encoding, which the indexer,
/// the SDK and the TypeScript client read from the inner instructions. It encodes into one
/// [`Image`], each field copied in place, where `emit_cpi!` encodes into one vector and copies
/// that byte by byte into a second.
pub fn emit<E: anchor_lang::Event>(authority: &UncheckedAccount, event: &E) -> Result<()> {
    let mut data = Image::<MAX_EVENT_LEN>::new();
    data.write_all(anchor_lang::event::EVENT_IX_TAG_LE)
        .and_then(|()| data.write_all(E::DISCRIMINATOR))
        .and_then(|()| event.serialize(&mut data))
        .map_err(|_| error!(TesseraError::EventTooLarge))?;
    let ix = Instruction {
        program_id: crate::ID,
        accounts: vec![AccountMeta::new_readonly(authority.key(), true)],
        data: data.as_slice().to_vec(),
    };
    let bump = [crate::EVENT_AUTHORITY_AND_BUMP.1];
    invoke_signed(
        &ix,
        &[authority.to_account_info()],
        &[&[b"__event_authority", &bump]],
    )
    .map_err(Into::into)
}
