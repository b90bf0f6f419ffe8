/**
 * A pool's value as the program prices it (`Pool::nav`, `metrics::share_price`): free cash plus
 * deployed principal, less revenue still vesting, with the virtual offsets of the share price.
 */
import type { Pool } from './generated';

/** The virtual assets and shares added to every price (inflation-attack guard). */
export const VIRTUAL_ASSETS = 1_000_000n;
export const VIRTUAL_SHARES = 1_000_000n;

/** What one tranche of `amount` vesting linearly from `startsAt` over `vestingSecs` still locks at `now`, rounded up. */
function trancheLockedAt(amount: bigint, startsAt: bigint, vestingSecs: bigint, now: bigint): bigint {
  const until = startsAt + vestingSecs;
  if (amount === 0n || now >= until) {
    return 0n;
  }
  const left = until - now;
  if (left >= vestingSecs) {
    return amount;
  }
  return (amount * left + vestingSecs - 1n) / vestingSecs;
}

/** Revenue still locked at `now`: every start step of every period on its own schedule (`RevenueSchedule::locked_at`). */
export function lockedRevenueAt(pool: Pool, now: bigint): bigint {
  let locked = 0n;
  for (const period of pool.revenue.periods) {
    const vestingSecs = BigInt(period.vestingSecs);
    const step = vestingSecs === 0n ? 1n : (vestingSecs + 7n) / 8n;
    period.amounts.forEach((amount, k) => {
      const start = (period.newestStep - BigInt(k)) * step;
      locked += trancheLockedAt(amount, start, vestingSecs, now);
    });
  }
  return locked;
}

/** Net asset value at `now`, base units. */
export function nav(pool: Pool, now: bigint): bigint {
  const gross = pool.cash + pool.deployedPrincipal;
  const locked = lockedRevenueAt(pool, now);
  return gross > locked ? gross - locked : 0n;
}

/** The exact value of one share at `now`, as `num / den` settlement tokens. */
export function shareValue(pool: Pool, now: bigint): { num: bigint; den: bigint } {
  return shareValueOf(nav(pool, now), pool.totalShares);
}

/** The exact value of one share of a pool with `navValue` and `totalShares` (as an event reports them). */
export function shareValueOf(navValue: bigint, totalShares: bigint): { num: bigint; den: bigint } {
  return { num: navValue + VIRTUAL_ASSETS, den: totalShares + VIRTUAL_SHARES };
}

/** `num / den` with `digits` decimal places, rounded down. */
export function formatRatio(num: bigint, den: bigint, digits: number): string {
  const scaled = ((num * 10n ** BigInt(digits)) / den).toString().padStart(digits + 1, '0');
  return `${scaled.slice(0, scaled.length - digits)}.${scaled.slice(scaled.length - digits)}`;
}
