/**
 * The usage receipt an agent signs (`tessera::signed::UsageReceipt`, 156 bytes of Borsh) and
 * the Ed25519 precompile instruction that carries its signature right before
 * `submit_receipt`. Both are checked against the Rust bytes in test/vectors.test.ts.
 */
import {
  type Address,
  type Encoder,
  fixEncoderSize,
  getAddressEncoder,
  getBytesEncoder,
  getI64Encoder,
  getStructEncoder,
  getU16Encoder,
  getU64Encoder,
  getUtf8Encoder,
  type Instruction,
  type KeyPairSigner,
  type ReadonlyUint8Array,
  signBytes,
} from '@solana/kit';

import { TESSERA_PROGRAM_ADDRESS } from './generated';

/** The Ed25519 signature-verification precompile. */
export const ED25519_PROGRAM_ADDRESS = 'Ed25519SigVerify111111111111111111111111111' as Address;

/** The receipt's domain tag. */
export const RECEIPT_DOMAIN = 'TESSERA_RECEIPT_V1';

/** What the agent reports for one metering period (the `submit_receipt` argument). */
export interface ReceiptBody {
  /** Strictly increasing per lease, from 1. */
  seq: bigint | number;
  /** Period start, unix seconds. */
  periodStart: bigint | number;
  /** Period end, unix seconds. */
  periodEnd: bigint | number;
  /** GPU-seconds billed. */
  gpuSeconds: bigint | number;
  /** Average utilisation, basis points (evidence). */
  avgUtilizationBps: number;
  /** Energy of the leased GPUs, joules (evidence). */
  energyJoules: bigint | number;
  /** SHA-256 of the period's sample log (evidence), 32 bytes. */
  sampleDigest: ReadonlyUint8Array;
}

function receiptEncoder(): Encoder<{ domain: ReadonlyUint8Array; programId: Address; lease: Address; body: ReceiptBody }> {
  return getStructEncoder([
    ['domain', fixEncoderSize(getBytesEncoder(), 18)],
    ['programId', getAddressEncoder()],
    ['lease', getAddressEncoder()],
    [
      'body',
      getStructEncoder([
        ['seq', getU64Encoder()],
        ['periodStart', getI64Encoder()],
        ['periodEnd', getI64Encoder()],
        ['gpuSeconds', getU64Encoder()],
        ['avgUtilizationBps', getU16Encoder()],
        ['energyJoules', getU64Encoder()],
        ['sampleDigest', fixEncoderSize(getBytesEncoder(), 32)],
      ]),
    ],
  ]);
}

/** The exact bytes an agent signs for `body` on `lease`. */
export function receiptMessage(lease: Address, body: ReceiptBody): ReadonlyUint8Array {
  const domain = getUtf8Encoder().encode(RECEIPT_DOMAIN);
  return receiptEncoder().encode({ domain, programId: TESSERA_PROGRAM_ADDRESS, lease, body });
}

/** Offsets inside the precompile's data: a 16-byte header, the key, the signature, the message. */
const HEADER = 16;
const KEY_AT = HEADER;
const SIGNATURE_AT = KEY_AT + 32;
const MESSAGE_AT = SIGNATURE_AT + 64;
/** "In this instruction" for the precompile's instruction indexes. */
const THIS_INSTRUCTION = 0xffff;

/** The precompile instruction verifying `signature` by `signer` over `message`. */
export function ed25519InstructionWithSignature(
  signer: Address,
  signature: ReadonlyUint8Array,
  message: ReadonlyUint8Array,
): Instruction {
  const data = new Uint8Array(MESSAGE_AT + message.length);
  const view = new DataView(data.buffer);
  data[0] = 1; // one signature
  const fields = [SIGNATURE_AT, THIS_INSTRUCTION, KEY_AT, THIS_INSTRUCTION, MESSAGE_AT, message.length, THIS_INSTRUCTION];
  fields.forEach((value, i) => {
    view.setUint16(2 + 2 * i, value, true);
  });
  data.set(getAddressEncoder().encode(signer), KEY_AT);
  data.set(signature, SIGNATURE_AT);
  data.set(message, MESSAGE_AT);
  return { programAddress: ED25519_PROGRAM_ADDRESS, data };
}

/** Signs `message` with `signer` and returns the precompile instruction carrying it. */
export async function ed25519Instruction(signer: KeyPairSigner, message: ReadonlyUint8Array): Promise<Instruction> {
  const signature = await signBytes(signer.keyPair.privateKey, message);
  return ed25519InstructionWithSignature(signer.address, signature, message);
}
