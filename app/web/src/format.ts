/** Amounts in tokens, times as dates and countdowns, model names. */
import { formatAmount } from '@tessera/client';

/** An amount with its unit: `12.5 USDC`, `3 shares`. */
export const tokens = (units: bigint, decimals: number, unit: string): string => `${formatAmount(units, decimals)} ${unit}`;

/** A unix time as a date and time in UTC. */
export function date(unix: bigint): string {
  return `${new Date(Number(unix) * 1000).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/** Seconds as `2h 5m`, `45s`. */
export function duration(secs: bigint): string {
  const s = Number(secs < 0n ? -secs : secs);
  const parts: [number, string][] = [[Math.floor(s / 86_400), 'd'], [Math.floor(s / 3_600) % 24, 'h'], [Math.floor(s / 60) % 60, 'm'], [s % 60, 's']];
  const shown = parts.filter(([n]) => n > 0).slice(0, 2).map(([n, u]) => `${n}${u}`);
  return shown.length ? shown.join(' ') : '0s';
}

/** `in 5m` or `5m ago`. */
export function until(at: bigint, now: bigint): string {
  return at >= now ? `in ${duration(at - now)}` : `${duration(now - at)} ago`;
}

/** A fixed-width model name (`NVIDIA H100…\0\0`) as text. */
export function model(bytes: ArrayLike<number>): string {
  return new TextDecoder().decode(Uint8Array.from(bytes)).replace(/\0+$/, '');
}

/** `part / whole` as a percentage with one decimal. */
export function percent(part: bigint, whole: bigint): string {
  if (whole === 0n) return '–';
  return `${(Number((part * 1000n) / whole) / 10).toFixed(1)}%`;
}

export const short = (address: string): string => `${address.slice(0, 4)}…${address.slice(-4)}`;
