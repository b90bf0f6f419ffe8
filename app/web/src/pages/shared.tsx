/**
 * What several pages share: their props, a pool's GPU utilisation, and its yield (settled
 * revenue annualised over a stated window) with the pool's events it is read from.
 */
import { type Address } from '@solana/kit';
import { nav, type Pool } from '@tessera/client';
import { useEffect, useState } from 'preact/hooks';

import { type Dated, history, type Snapshot } from '../chain';
import { date, duration } from '../format';
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
/** A window shorter than this is not annualised (one lucky hour is not a yield). */
const MIN_WINDOW = 3_600n;

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

/** Investors' settled revenue over its window, annualised against today's NAV. */
export function yieldOf(list: Dated[], pool: Pool, now: bigint): { text: string; apr: number | null } {
  const settles = list.filter((e) => e.event.name === 'ChargeSettled');
  const first = settles[0];
  if (!first) return { text: 'no settled revenue yet', apr: null };
  const revenue = settles.reduce((s, e) => s + (e.event.name === 'ChargeSettled' ? e.event.data.investors : 0n), 0n);
  const window = now - first.at > MIN_WINDOW ? now - first.at : MIN_WINDOW;
  const value = nav(pool, now);
  if (value === 0n) return { text: 'no NAV', apr: null };
  const apr = (Number(revenue) / Number(value)) * (Number(YEAR) / Number(window));
  return { text: `${(apr * 100).toFixed(2)}% a year (settled revenue over ${duration(window)}, since ${date(first.at)})`, apr };
}

export function YieldLine({ pool, address, now }: { pool: Pool; address: string; now: bigint }) {
  const [text, setText] = useState('…');
  useEffect(() => {
    void events(address).then((list) => { setText(yieldOf(list, pool, now).text); }, () => { setText('history unavailable'); });
  }, [address, pool, now]);
  return <span data-test="yield">{text}</span>;
}

