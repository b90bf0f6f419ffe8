/**
 * What several pages share: their props, a pool's GPU utilisation, and its yield (settled
 * revenue annualised over a stated window) with the pool's events it is read from.
 */
import { type Address } from '@solana/kit';
import { nav, type Pool } from '@tessera/client';
import { useEffect, useState } from 'preact/hooks';

import { type Dated, history, type Snapshot } from '../chain';
import { date, duration, tokens } from '../format';
import type { Connected } from '../wallet/connect';

/** What every page is given. */
export interface PageProps {
  snap: Snapshot;
  wallet: Connected | null;
  /** Re-reads the chain (after an action). */
  refresh: () => Promise<void>;
}

/** GPUs leased and registered on the nodes that earn for `pool`. */
export function utilisation(snap: Snapshot, pool: string): { leased: number; registered: number } {
  const nodes = snap.nodes.filter((n) => n.data.pool === pool);
  return {
    leased: nodes.reduce((s, n) => s + n.data.gpusAllocated, 0),
    registered: nodes.reduce((s, n) => s + n.data.spec.gpuCount, 0),
  };
}

const YEAR = 365n * 86_400n;
/** Yield is settled revenue over the last week, annualised only once a week has elapsed. */
export const YIELD_WINDOW = 7n * 86_400n;

const histories = new Map<string, Promise<Dated[]>>();

/** Forgets a pool's events (after an action), so the next read is fresh. */
export function forgetEvents(address: string): void {
  histories.delete(address);
}

/** The pool's events, read once per page load. */
export function events(address: string): Promise<Dated[]> {
  let found = histories.get(address);
  if (!found) {
    found = history(address as Address, 'pool');
    histories.set(address, found);
  }
  return found;
}

/**
 * Investors' settled revenue over the last [`YIELD_WINDOW`], annualised against today's NAV;
 * before a whole window has elapsed since the first settle, the revenue so far, not a rate.
 */
export function yieldOf(list: Dated[], pool: Pool, now: bigint, unit: string, decimals: number): { text: string; apr: number | null } {
  const settled = (from: bigint) => list.reduce((s, e) => s + (e.event.name === 'ChargeSettled' && e.at >= from ? e.event.data.investors : 0n), 0n);
  const first = list.find((e) => e.event.name === 'ChargeSettled');
  if (!first) return { text: 'no settled revenue yet', apr: null };
  if (now - first.at < YIELD_WINDOW) {
    return {
      text: `${tokens(settled(0n), decimals, unit)} to investors over ${duration(now - first.at)}; annualised once ${duration(YIELD_WINDOW)} have passed`,
      apr: null,
    };
  }
  const value = nav(pool, now);
  if (value === 0n) return { text: 'no NAV', apr: null };
  const apr = (Number(settled(now - YIELD_WINDOW)) / Number(value)) * (Number(YEAR) / Number(YIELD_WINDOW));
  return { text: `${(apr * 100).toFixed(2)}% a year (settled revenue over the last ${duration(YIELD_WINDOW)}, to ${date(now)})`, apr };
}

export function YieldLine({ pool, address, snap }: { pool: Pool; address: string; snap: Snapshot }) {
  const [text, setText] = useState('…');
  const { now, unit, decimals } = snap;
  useEffect(() => {
    void events(address).then((list) => { setText(yieldOf(list, pool, now, unit, decimals).text); }, () => { setText('history unavailable'); });
  }, [address, pool, now, unit, decimals]);
  return <span data-test="yield">{text}</span>;
}

