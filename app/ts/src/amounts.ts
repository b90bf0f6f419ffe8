/**
 * Token amounts as people type them (`12`, `12.5`) and as the ledger holds them (base units
 * of a mint with `decimals`), with the same rules and words as the Rust SDK's `units`.
 */

/** An amount that does not read in the mint's units; the message names the field. */
export class AmountError extends Error {
  override name = 'AmountError';
}

const U64_MAX = (1n << 64n) - 1n;

/** Parses a decimal amount into base units; `field` names the input in errors. */
export function parseAmount(text: string, decimals: number, field = 'amount'): bigint {
  const [whole = '', frac = '', ...rest] = text.split('.');
  if (rest.length > 0 || !/^\d*$/.test(whole) || !/^\d*$/.test(frac)) {
    throw new AmountError(`${field}: \`${text}\` is not a decimal amount`);
  }
  if (whole === '' && frac === '') {
    throw new AmountError(`${field}: empty amount`);
  }
  if (frac.length > decimals) {
    throw new AmountError(`${field}: \`${text}\` has more than ${decimals} decimal places`);
  }
  const units = BigInt(whole || '0') * 10n ** BigInt(decimals) + BigInt(frac.padEnd(decimals, '0') || '0');
  if (units > U64_MAX) {
    throw new AmountError(`${field}: \`${text}\` is too large`);
  }
  return units;
}

/** Formats base units with `decimals` (`12500000n`, 6 → `12.5`). */
export function formatAmount(units: bigint | number, decimals: number): string {
  const value = BigInt(units);
  const scale = 10n ** BigInt(decimals);
  const whole = value / scale;
  const frac = value % scale;
  if (frac === 0n) {
    return whole.toString();
  }
  return `${whole}.${frac.toString().padStart(decimals, '0').replace(/0+$/, '')}`;
}

const UNITS: Readonly<Record<string, number>> = { '': 1, s: 1, m: 60, h: 3_600, d: 86_400 };

/** Parses `90`, `90s`, `15m`, `2h`, `7d` into seconds (at most u32), as the Rust SDK does. */
export function parseDuration(text: string, field = 'duration'): number {
  const found = /^(\d+)(.*)$/.exec(text);
  if (!found?.[1]) {
    throw new AmountError(`${field}: \`${text}\` is not a duration like 90s, 15m, 2h or 7d`);
  }
  const mul = UNITS[found[2] ?? ''];
  if (mul === undefined) {
    throw new AmountError(`${field}: unknown unit in \`${text}\` (use s, m, h or d)`);
  }
  const secs = Number(found[1]) * mul;
  if (!Number.isSafeInteger(secs) || secs > 0xffff_ffff) {
    throw new AmountError(`${field}: \`${text}\` is too long`);
  }
  return secs;
}
