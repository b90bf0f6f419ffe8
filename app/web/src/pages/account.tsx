/**
 * My account: everything the connected wallet holds in Tessera. Positions in each pool (shares,
 * value now, tickets), leases as renter (escrow, charged, pending; each links to its receipts),
 * nodes as provider (GPU-hours served, leases) and the stake.
 */
import { type Address } from '@solana/kit';
import { shareValue, TicketStatus } from '@tessera/client';
import { useEffect, useState } from 'preact/hooks';

import { type Snapshot, tokenBalance } from '../chain';
import { model, tokens } from '../format';
import type { PageProps } from './shared';
import { Card, Link } from '../ui';

const STAKE_DECIMALS = 9;

export function Account({ snap, wallet }: PageProps) {
  const [held, setHeld] = useState<Map<string, bigint> | null>(null);
  useEffect(() => {
    if (!wallet) return;
    void Promise.all(snap.pools.map(async (p) => [p.address, await tokenBalance(wallet.address, p.data.shareMint)] as const))
      .then((pairs) => { setHeld(new Map(pairs)); });
  }, [wallet, snap]);
  if (!wallet) {
    return (
      <>
        <h1>My account</h1>
        <div class="empty" data-test="empty"><p>Connect a wallet (top right) to see your positions, leases, nodes and stake.</p></div>
      </>
    );
  }
  const me: Address = wallet.address;
  const provider = snap.providers.find((p) => p.data.authority === me);
  const stake = snap.stakes.find((s) => s.data.owner === me)?.data;
  return (
    <>
      <h1>My account</h1>
      <p class="muted">{me}</p>
      <h2>Positions</h2>
      {held === null ? <p class="muted">Reading balances…</p> : <Positions snap={snap} me={me} held={held} />}
      <h2>Leases you rent</h2>
      <Leases snap={snap} me={me} />
      <h2>Nodes you provide</h2>
      <Nodes snap={snap} provider={provider?.address ?? null} />
      <h2>Stake</h2>
      <div class="cards">
        <Card label="staked" value={tokens(stake?.amount ?? 0n, STAKE_DECIMALS, snap.stakeUnit)} test="my-stake" />
        <Card label="locked by open leases" value={tokens(stake?.lockedAmount ?? 0n, STAKE_DECIMALS, snap.stakeUnit)} />
        <Card label="unbonding" value={tokens(stake?.unbondingAmount ?? 0n, STAKE_DECIMALS, snap.stakeUnit)} />
      </div>
      <p class="muted">Statements with every fee split: <code>tessera lease statement &lt;LEASE&gt;</code>, <code>tessera pool position</code>, <code>tessera node earnings &lt;NODE&gt;</code>.</p>
    </>
  );
}

/** Shares held in each pool, their value now, and the wallet's redemption tickets. */
function Positions({ snap, me, held }: { snap: Snapshot; me: Address; held: Map<string, bigint> }) {
  const d = snap.decimals;
  const money = (v: bigint) => tokens(v, d, snap.unit);
  const positions = snap.pools
    .map((p) => {
      const shares = held.get(p.address) ?? 0n;
      const { num, den } = shareValue(p.data, snap.now);
      const value = (shares * num) / den;
      const tickets = snap.tickets.filter((t) => t.data.pool === p.address && t.data.owner === me);
      return { p, shares, value, tickets };
    })
    .filter((x) => x.shares > 0n || x.tickets.length > 0);
  if (positions.length === 0) {
    return <div class="empty" data-test="no-positions"><p>No shares in any pool. Open a pool from <a href="#/pools">Pools</a> to deposit.</p></div>;
  }
  return (
    <div class="scroll">
      <table data-test="positions">
        <thead><tr><th>pool</th><th>model</th><th class="num">shares</th><th class="num">value now</th><th>tickets</th></tr></thead>
        <tbody>{positions.map(({ p, shares, value, tickets }) => (
          <tr key={p.address} data-pool={p.address}>
            <td><Link to="pool" address={p.address} /></td><td>{model(p.data.gpuModel)}</td>
            <td class="num" data-test="shares">{tokens(shares, d, 'shares')}</td><td class="num" data-test="value">{money(value)}</td>
            <td>{tickets.length === 0 ? '–' : tickets.map((t) => `#${String(t.data.seq)} ${t.data.status === TicketStatus.Queued ? 'queued' : `served, ${money(t.data.assets)} to claim`}`).join('; ')}</td>
          </tr>
        ))}</tbody>
      </table>
    </div>
  );
}

/** The leases the wallet rents, each linking to its receipts. */
function Leases({ snap, me }: { snap: Snapshot; me: Address }) {
  const leases = snap.leases.filter((l) => l.data.renter === me);
  const money = (v: bigint) => tokens(v, snap.decimals, snap.unit);
  if (leases.length === 0) {
    return <p class="muted" data-test="no-leases">None open. Rent GPUs from the <a href="#/market">Market</a>; each lease's page lists its receipts.</p>;
  }
  return (
    <div class="scroll">
      <table data-test="my-leases">
        <thead><tr><th>lease</th><th>node</th><th class="num">GPUs</th><th class="num">escrow left</th><th class="num">charged</th><th class="num">pending</th></tr></thead>
        <tbody>{leases.map((l) => (
          <tr key={l.address}><td><Link to="lease" address={l.address} /></td><td><Link to="node" address={l.data.node} /></td>
            <td class="num">{l.data.gpuCount}</td><td class="num">{money(l.data.escrow)}</td><td class="num">{money(l.data.chargedTotal)}</td><td class="num">{money(l.data.pending)}</td></tr>
        ))}</tbody>
      </table>
    </div>
  );
}

/** The nodes of the wallet's provider account, with what they served. */
function Nodes({ snap, provider }: { snap: Snapshot; provider: Address | null }) {
  const nodes = provider ? snap.nodes.filter((n) => n.data.provider === provider) : [];
  if (nodes.length === 0) {
    return <p class="muted" data-test="no-nodes">None. A provider registers a rig with <code>tessera-agent init</code> and <code>tessera-agent register</code>.</p>;
  }
  return (
    <div class="scroll">
      <table data-test="my-nodes">
        <thead><tr><th>node</th><th>model</th><th class="num">GPUs leased</th><th class="num">GPU-hours served</th><th class="num">price per GPU-hour</th></tr></thead>
        <tbody>{nodes.map((n) => (
          <tr key={n.address}><td><Link to="node" address={n.address} /></td><td>{model(n.data.spec.gpuModel)}</td>
            <td class="num">{n.data.gpusAllocated}/{n.data.spec.gpuCount}</td>
            <td class="num">{(Number(n.data.gpuSecondsServed) / 3600).toFixed(2)}</td><td class="num">{tokens(n.data.spec.pricePerGpuHour, snap.decimals, snap.unit)}</td></tr>
        ))}</tbody>
      </table>
    </div>
  );
}
