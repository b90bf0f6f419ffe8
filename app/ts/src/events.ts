/**
 * The program's events, read back from a transaction. Every event is emitted by self-CPI
 * (`emit_cpi!`): it travels as the data of an inner instruction to the program, as
 * `EVENT_IX_TAG ‖ discriminator ‖ borsh(event)`.
 */
import { type Address, getBase58Encoder, type ReadonlyUint8Array } from '@solana/kit';

import { TESSERA_PROGRAM_ADDRESS } from './generated';
import { TESSERA_EVENTS, type TesseraEvent } from './generated/events';

export type { TesseraEvent };

/** Anchor's tag of event instructions (`0x1d9acb512ea545e4`, little-endian). */
export const EVENT_IX_TAG = new Uint8Array([0xe4, 0x45, 0xa5, 0x2e, 0x51, 0xcb, 0x9a, 0x1d]);

const startsWith = (data: ReadonlyUint8Array, prefix: ReadonlyUint8Array) =>
  data.length >= prefix.length && prefix.every((b, i) => data[i] === b);

/** The event in one inner instruction's data, or `null` when it is not one of the program's. */
export function decodeEvent(data: ReadonlyUint8Array): TesseraEvent | null {
  if (!startsWith(data, EVENT_IX_TAG)) {
    return null;
  }
  const body = data.subarray(EVENT_IX_TAG.length);
  const event = TESSERA_EVENTS.find((e) => startsWith(body, e.discriminator));
  return event ? ({ name: event.name, data: event.decoder.decode(body) } as TesseraEvent) : null;
}

/** The parts of a `getTransaction` answer (encoding `json`) that events are read from. */
export interface TransactionWithInner {
  readonly transaction: { readonly message: { readonly accountKeys: readonly Address[] } };
  readonly meta: {
    readonly innerInstructions?: readonly {
      readonly instructions: readonly { readonly programIdIndex: number; readonly data: string }[];
    }[] | null;
  } | null;
}

/** Every program event of a transaction, in order. */
export function eventsOf(tx: TransactionWithInner): TesseraEvent[] {
  const keys = tx.transaction.message.accountKeys;
  const base58 = getBase58Encoder();
  return (tx.meta?.innerInstructions ?? [])
    .flatMap((inner) => inner.instructions)
    .filter((ix) => keys[ix.programIdIndex] === TESSERA_PROGRAM_ADDRESS)
    .map((ix) => decodeEvent(base58.encode(ix.data)))
    .filter((e): e is TesseraEvent => e !== null);
}
