//! Messages the node's agent key signs, byte for byte, and their verification through the
//! Ed25519 precompile read back from the instructions sysvar. The SDK and the agent build
//! messages with these same types, so the wire format exists once.

use anchor_lang::prelude::*;
use solana_instructions_sysvar::{load_current_index_checked, load_instruction_at_checked};

use crate::error::TesseraError;

/// Domain tag that starts every usage receipt.
pub const RECEIPT_DOMAIN: [u8; 18] = *b"TESSERA_RECEIPT_V1";
/// Domain tag that starts every benchmark attestation.
pub const BENCHMARK_DOMAIN: [u8; 16] = *b"TESSERA_BENCH_V1";

/// What the agent reports for one metering period (the `submit_receipt` arguments).
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReceiptBody {
    /// Strictly increasing per lease, starting at 1.
    pub seq: u64,
    /// Period start, unix seconds.
    pub period_start: i64,
    /// Period end, unix seconds.
    pub period_end: i64,
    /// GPU-seconds billed (allocation × time; capped on-chain at period × leased GPUs).
    pub gpu_seconds: u64,
    /// Average GPU utilisation over the period, basis points (evidence).
    pub avg_utilization_bps: u16,
    /// Energy drawn by the leased GPUs over the period, joules (evidence).
    pub energy_joules: u64,
    /// SHA-256 of the raw telemetry sample log kept by the agent (evidence).
    pub sample_digest: [u8; 32],
}

/// The exact signed receipt: Borsh of this struct, 156 bytes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct UsageReceipt {
    /// [`RECEIPT_DOMAIN`].
    pub domain: [u8; 18],
    /// The Tessera program id (a receipt for another deployment is refused).
    pub program_id: Pubkey,
    /// The lease billed.
    pub lease: Pubkey,
    /// The reported period.
    pub body: ReceiptBody,
}

impl UsageReceipt {
    /// The receipt for `lease` carrying `body`.
    pub fn new(lease: Pubkey, body: ReceiptBody) -> Self {
        Self {
            domain: RECEIPT_DOMAIN,
            program_id: crate::ID,
            lease,
            body,
        }
    }
}

/// The exact signed benchmark attestation: Borsh of this struct, 96 bytes.
#[derive(AnchorSerialize, AnchorDeserialize, Clone, Copy, Debug, PartialEq, Eq)]
pub struct BenchmarkAttestation {
    /// [`BENCHMARK_DOMAIN`].
    pub domain: [u8; 16],
    /// The Tessera program id.
    pub program_id: Pubkey,
    /// The node benchmarked.
    pub node: Pubkey,
    /// Dense bf16 TFLOPS per GPU, hundredths.
    pub tflops_centi: u32,
    /// Device memory bandwidth per GPU, GB/s.
    pub mem_bw_gbps: u32,
    /// When the benchmark ran, unix seconds.
    pub measured_at: i64,
}

impl BenchmarkAttestation {
    /// The attestation for `node`.
    pub fn new(node: Pubkey, tflops_centi: u32, mem_bw_gbps: u32, measured_at: i64) -> Self {
        Self {
            domain: BENCHMARK_DOMAIN,
            program_id: crate::ID,
            node,
            tflops_centi,
            mem_bw_gbps,
            measured_at,
        }
    }
}

/// Borsh bytes of a signed message.
pub fn message_bytes<T: AnchorSerialize>(message: &T) -> Result<Vec<u8>> {
    borsh::to_vec(message).map_err(|_| error!(TesseraError::SignedMessageMismatch))
}

/// Size of the Ed25519 precompile's header and one offsets record.
const OFFSETS_END: usize = 16;
/// Ed25519 public key length.
const PUBKEY_LEN: usize = 32;
/// Ed25519 signature length.
const SIGNATURE_LEN: usize = 64;
/// An instruction index meaning "this same instruction".
const THIS_INSTRUCTION: u16 = u16::MAX;

/// Checks that the instruction right before the current one is the Ed25519 precompile
/// verifying exactly one signature by `signer` over exactly `message`, with every offset
/// pointing into that precompile instruction itself (the runtime has already checked the
/// signature when this runs).
pub fn verify_preceding_ed25519(
    instructions_sysvar: &AccountInfo,
    signer: &Pubkey,
    message: &[u8],
) -> Result<()> {
    let current = load_current_index_checked(instructions_sysvar)?;
    let index = current
        .checked_sub(1)
        .ok_or_else(|| error!(TesseraError::MissingEd25519Instruction))?;
    let ix = load_instruction_at_checked(usize::from(index), instructions_sysvar)?;
    require_keys_eq!(
        ix.program_id,
        solana_sdk_ids::ed25519_program::ID,
        TesseraError::NotEd25519Program
    );
    verify_ed25519_data(&ix.data, index, signer, message)
}

/// Checks one Ed25519 precompile instruction's data (at transaction index `own_index`).
pub fn verify_ed25519_data(
    data: &[u8],
    own_index: u16,
    signer: &Pubkey,
    message: &[u8],
) -> Result<()> {
    require!(
        data.len() >= OFFSETS_END && data[0] == 1,
        TesseraError::Ed25519SignatureCount
    );
    let field = |i: usize| u16::from_le_bytes([data[2 + 2 * i], data[3 + 2 * i]]);
    let (sig_off, sig_ix, pk_off, pk_ix, msg_off, msg_len, msg_ix) = (
        field(0),
        field(1),
        field(2),
        field(3),
        field(4),
        field(5),
        field(6),
    );
    for ix in [sig_ix, pk_ix, msg_ix] {
        require!(
            ix == THIS_INSTRUCTION || ix == own_index,
            TesseraError::Ed25519OffsetsInvalid
        );
    }
    let slice = |off: u16, len: usize| {
        let start = usize::from(off);
        data.get(start..start.checked_add(len)?)
    };
    let pubkey =
        slice(pk_off, PUBKEY_LEN).ok_or_else(|| error!(TesseraError::Ed25519OffsetsInvalid))?;
    slice(sig_off, SIGNATURE_LEN).ok_or_else(|| error!(TesseraError::Ed25519OffsetsInvalid))?;
    let signed = slice(msg_off, usize::from(msg_len))
        .ok_or_else(|| error!(TesseraError::Ed25519OffsetsInvalid))?;
    require!(pubkey == signer.as_ref(), TesseraError::WrongSigningKey);
    require!(signed == message, TesseraError::SignedMessageMismatch);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn precompile_data(pubkey: &[u8; 32], message: &[u8], indices: [u16; 3]) -> Vec<u8> {
        let (pk_off, sig_off) = (16u16, 48u16);
        let msg_off = 112u16;
        let mut d = vec![1u8, 0];
        for v in [
            sig_off,
            indices[0],
            pk_off,
            indices[1],
            msg_off,
            message.len() as u16,
            indices[2],
        ] {
            d.extend_from_slice(&v.to_le_bytes());
        }
        d.extend_from_slice(pubkey);
        d.extend_from_slice(&[7u8; 64]);
        d.extend_from_slice(message);
        d
    }

    #[test]
    fn receipt_wire_format_is_156_bytes_starting_with_the_domain() {
        let body = ReceiptBody {
            seq: 1,
            period_start: 2,
            period_end: 3,
            gpu_seconds: 4,
            avg_utilization_bps: 5,
            energy_joules: 6,
            sample_digest: [9; 32],
        };
        let bytes = message_bytes(&UsageReceipt::new(Pubkey::new_from_array([1; 32]), body))
            .unwrap_or_default();
        assert_eq!(bytes.len(), 156);
        assert_eq!(&bytes[..18], b"TESSERA_RECEIPT_V1");
        assert_eq!(&bytes[18..50], crate::ID.as_ref());
        assert_eq!(&bytes[50..82], &[1; 32]);
        assert_eq!(&bytes[82..90], &1u64.to_le_bytes());
        assert_eq!(&bytes[90..98], &2i64.to_le_bytes());
        assert_eq!(&bytes[98..106], &3i64.to_le_bytes());
        assert_eq!(&bytes[106..114], &4u64.to_le_bytes());
        assert_eq!(&bytes[114..116], &5u16.to_le_bytes());
        assert_eq!(&bytes[116..124], &6u64.to_le_bytes());
        assert_eq!(&bytes[124..156], &[9; 32]);
        let att = BenchmarkAttestation::new(Pubkey::default(), 1, 2, 3);
        assert_eq!(message_bytes(&att).map(|b| b.len()).unwrap_or_default(), 96);
    }

    #[test]
    fn precompile_data_checks() {
        let key = Pubkey::new_from_array([3; 32]);
        let msg = b"receipt";
        let ok = precompile_data(&[3; 32], msg, [u16::MAX; 3]);
        assert!(verify_ed25519_data(&ok, 4, &key, msg).is_ok());
        assert!(
            verify_ed25519_data(&precompile_data(&[3; 32], msg, [4, 4, 4]), 4, &key, msg).is_ok()
        );
        let code = |r: Result<()>| match r {
            Err(anchor_lang::error::Error::AnchorError(e)) => e.error_code_number,
            _ => 0,
        };
        let n = |e: TesseraError| 6000 + e as u32;
        assert_eq!(
            code(verify_ed25519_data(&ok, 4, &Pubkey::default(), msg)),
            n(TesseraError::WrongSigningKey)
        );
        assert_eq!(
            code(verify_ed25519_data(&ok, 4, &key, b"other!!")),
            n(TesseraError::SignedMessageMismatch)
        );
        let other_ix = precompile_data(&[3; 32], msg, [u16::MAX, 2, u16::MAX]);
        assert_eq!(
            code(verify_ed25519_data(&other_ix, 4, &key, msg)),
            n(TesseraError::Ed25519OffsetsInvalid)
        );
        let mut two = ok.clone();
        two[0] = 2;
        assert_eq!(
            code(verify_ed25519_data(&two, 4, &key, msg)),
            n(TesseraError::Ed25519SignatureCount)
        );
        let truncated = &ok[..ok.len() - 1];
        assert_eq!(
            code(verify_ed25519_data(truncated, 4, &key, msg)),
            n(TesseraError::Ed25519OffsetsInvalid)
        );
    }
}
