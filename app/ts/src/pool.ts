/**
 * A pool's value as the program prices it (`Pool::nav`, `metrics::share_price`): free cash plus
 * deployed principal, less revenue still vesting, with the virtual offsets of the share price.
 */
import type { Pool } from './generated';

/** The virtual assets and shares added to every price (inflation-attack guard). */
export const VIRTUAL_ASSETS = 1_000_000n;
export const VIRTUAL_SHARES = 1_000_000n;

/** Revenue still locked at `now` (linear from `revenueLockedAt` to `revenueUnlockAt`, rounded up). */
export function lockedRevenueAt(pool: Pool, now: bigint): bigint {
  const { lockedRevenue: locked, revenueLockedAt: from, revenueUnlockAt: until } = pool;
  if (locked === 0n || now >= until) {
    return 0n;
  }
  const span = until > from ? until - from : 0n;
  const left = until - now;
  if (left >= span) {
    return locked;
  }
  return (locked * left + span - 1n) / span;
}

/** Net asset value at `now`, base units. */
export function nav(pool: Pool, now: bigint): bigint {
  const gross = pool.cash + pool.deployedPrincipal;
  const locked = lockedRevenueAt(pool, now);
  return gross > locked ? gross - locked : 0n;
}

/** The exact value of one share at `now`, as `num / den` settlement tokens. */
export function shareValue(pool: Pool, now: bigint): { num: bigint; den: bigint } {
  return { num: nav(pool, now) + VIRTUAL_ASSETS, den: pool.totalShares + VIRTUAL_SHARES };
}

/** `num / den` with `digits` decimal places, rounded down. */
export function formatRatio(num: bigint, den: bigint, digits: number): string {
  const scaled = ((num * 10n ** BigInt(digits)) / den).toString().padStart(digits + 1, '0');
  return `${scaled.slice(0, scaled.length - digits)}.${scaled.slice(scaled.length - digits)}`;
}
