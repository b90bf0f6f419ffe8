/**
 * Failures in words, with the same names as the Rust SDK and the CLI: which program refused a
 * transaction, the error's name and what it means.
 */
import {
  type Address,
  isSolanaError,
  SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM,
  SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE,
} from '@solana/kit';

import { TESSERA_PROGRAM_ADDRESS } from './generated';
import { TESSERA_ERRORS } from './generated/events';
import { TOKEN_PROGRAM_ADDRESS } from './pda';

const SYSTEM_PROGRAM_ADDRESS = '11111111111111111111111111111111' as Address;

/** A failure explained. */
export interface Explained {
  /** The error's name (`InsufficientCash`, `InsufficientFunds`…), or the error class. */
  readonly name: string;
  /** The custom error code, when the failure carried one (6000+ are Tessera's). */
  readonly code: number | null;
  /** Who refused and why, in words. */
  readonly message: string;
  /** Program logs of a refused transaction's simulation. */
  readonly logs: readonly string[];
}

/** SPL Token's errors a user can run into, by code. */
const TOKEN_ERRORS: Readonly<Record<number, [string, string]>> = {
  0: ['NotRentExempt', 'lamport balance below rent-exempt threshold'],
  1: ['InsufficientFunds', 'a token account holds less than this transfer needs'],
  3: ['MintMismatch', 'account not associated with this mint'],
  4: ['OwnerMismatch', 'owner does not match'],
  17: ['AccountFrozen', 'account is frozen'],
};

function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  let e: unknown = error;
  while (e !== undefined && e !== null && chain.length < 8) {
    chain.push(e);
    e = e instanceof Error ? e.cause : undefined;
  }
  return chain;
}

/** `programs`: the program of each top-level instruction, in order, to name who refused. */
export function explainError(error: unknown, programs: readonly Address[] = []): Explained {
  const chain = causes(error);
  const preflight = chain.find((e) =>
    isSolanaError(e, SOLANA_ERROR__JSON_RPC__SERVER_ERROR_SEND_TRANSACTION_PREFLIGHT_FAILURE),
  );
  const logs = preflight ? (preflight.context.logs ?? []) : [];
  const custom = chain.find((e) => isSolanaError(e, SOLANA_ERROR__INSTRUCTION_ERROR__CUSTOM));
  if (custom) {
    const { code, index } = custom.context;
    // A program called by the instruction (SPL Token under a deposit) may be the one that
    // refused: the innermost failure is logged first.
    const program = failingProgram(logs) ?? programs[index];
    const [who, name, words] = describeCustom(code, program);
    return { name, code, message: `${who} refused (${name}): ${words}`, logs };
  }
  const errors = chain.filter((e): e is Error => e instanceof Error);
  const [first, last] = [errors[0], errors[errors.length - 1]];
  const message = first && last && first !== last ? `${first.message}: ${last.message}` : (first?.message ?? String(error));
  return { name: last?.name ?? 'Error', code: null, message, logs };
}

function failingProgram(logs: readonly string[]): Address | undefined {
  for (const line of logs) {
    const found = /^Program (\w+) failed: /.exec(line);
    if (found?.[1]) return found[1] as Address;
  }
  return undefined;
}

function describeCustom(code: number, program: Address | undefined): [string, string, string] {
  const tessera = program === TESSERA_PROGRAM_ADDRESS || (program === undefined && code >= 6000);
  const known = TESSERA_ERRORS[code];
  if (tessera && known) {
    return ['Tessera', known[0], known[1]];
  }
  if (program === TOKEN_PROGRAM_ADDRESS) {
    const [name, words] = TOKEN_ERRORS[code] ?? [`Custom(${code})`, `token error ${code}`];
    return ['SPL Token', name, words];
  }
  if (program === SYSTEM_PROGRAM_ADDRESS && code === 1) {
    return ['the System program', 'ResultWithNegativeLamports', 'a wallet has too little SOL for this'];
  }
  return [program ? `program ${program}` : 'the program', `Custom(${code})`, `error code ${code}`];
}
