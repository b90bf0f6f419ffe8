/**
 * One lease: its terms, escrow and charges, every receipt from its events (period, GPU-seconds,
 * charge, dispute window, settlement), when it ends or its grace runs out; top up and dispute.
 */
import { type Address } from '@solana/kit';
import { LeaseStatus, parseAmount } from '@tessera/client';
import { useEffect, useState } from 'preact/hooks';

import * as actions from '../actions';
import { type Dated, history } from '../chain';
import { date, duration, tokens, until } from '../format';
import type { PageProps } from './shared';
import { ActionForm, Card, Link } from '../ui';

interface Receipt {
  seq: bigint;
  periodStart: bigint;
  periodEnd: bigint;
  gpuSeconds: bigint;
  charge: bigint;
  at: bigint;
  state: string;
}

/** Receipts in order, each settled, disputed or pending by the events after it. */
function receipts(list: Dated[]): Receipt[] {
  const out: Receipt[] = [];
  for (const { event, at } of list) {
    if (event.name === 'ReceiptSubmitted') {
      const e = event.data;
      out.push({ seq: e.seq, periodStart: e.periodStart, periodEnd: e.periodEnd, gpuSeconds: e.gpuSeconds, charge: e.charge, at, state: 'pending' });
    }
    const open = out.filter((r) => r.state === 'pending');
    if (event.name === 'ChargeSettled') for (const r of open) r.state = 'settled';
    if (event.name === 'ChargeDisputed') for (const r of open) r.state = 'disputed';
    if (event.name === 'DisputeResolved') for (const r of out.filter((x) => x.state === 'disputed')) r.state = 'resolved by the arbiter';
  }
  return out;
}

export function LeasePage({ snap, wallet, refresh, address }: PageProps & { address: string }) {
  const [list, setList] = useState<Dated[] | null>(null);
  useEffect(() => { void history(address as Address, 'lease').then(setList, () => { setList([]); }); }, [address, snap]);
  const found = snap.leases.find((l) => l.address === address);
  const d = snap.decimals;
  const rows = list ? receipts(list) : [];
  if (!found) {
    return (
      <>
        <h1>Lease</h1>
        <p class="muted">{address} is closed (or never existed); its receipts remain in its history below.</p>
        <Receipts rows={rows} decimals={d} unit={snap.unit} />
      </>
    );
  }
  const l = found.data;
  const windowEnds = l.pendingSince + BigInt(l.terms.disputeWindowSecs);
  const mine = wallet?.address === l.renter;
  const ref = { address: found.address, data: l };
  return (
    <>
      <h1>Lease of {l.gpuCount} GPU{l.gpuCount > 1 ? 's' : ''}</h1>
      <p class="muted">{address} · node <Link to="node" address={l.node} /> · renter {l.renter}</p>
      <div class="cards">
        <Card label="status" value={l.status === LeaseStatus.Disputed ? 'disputed' : l.graceUntil > 0n ? `in grace until ${date(l.graceUntil)}` : 'active'} test="status" />
        <Card label="runs" value={`${date(l.startAt)} → ${date(l.endAt)} (ends ${until(l.endAt, snap.now)})`} />
        <Card label="price per GPU-hour" value={tokens(l.pricePerGpuHour, d, snap.unit)} />
        <Card label="escrow left" value={tokens(l.escrow, d, snap.unit)} test="escrow" />
        <Card label="charged (settled)" value={tokens(l.chargedTotal, d, snap.unit)} />
        <Card label="pending charge" value={l.pending > 0n ? `${tokens(l.pending, d, snap.unit)}: dispute window ends ${until(windowEnds, snap.now)}` : 'none'} test="pending" />
        <Card label="GPU-seconds billed" value={String(l.gpuSecondsBilled)} />
        <Card label="agreed terms" value={`fee ${l.terms.protocolFeeBps[0] / 100}%, dispute window ${duration(BigInt(l.terms.disputeWindowSecs))}, grace ${duration(BigInt(l.terms.graceSecs))}`} />
      </div>
      <h2>Receipts</h2>
      {list === null ? <p class="muted">Reading receipts…</p> : <Receipts rows={rows} decimals={d} unit={snap.unit} />}
      {mine && (
        <>
          <h2>Your lease</h2>
          <ActionForm name="top-up" label="Top up" placeholder="tokens" run={async (v) => {
            await actions.topUp(wallet.signer, ref, snap.protocol.settlementMint, parseAmount(v, d, 'top-up'));
            await refresh();
            return `added ${v}`;
          }} />
          {l.pending > 0n && l.status !== LeaseStatus.Disputed && (
            <ActionForm name="dispute" label="Dispute the pending charge" run={async () => {
              await actions.dispute(wallet.signer, found.address);
              await refresh();
              return 'disputed: the arbiter decides';
            }} />
          )}
        </>
      )}
    </>
  );
}

function Receipts({ rows, decimals, unit }: { rows: Receipt[]; decimals: number; unit: string }) {
  if (rows.length === 0) return <p class="muted">No receipts yet.</p>;
  return (
    <div class="scroll">
    <table data-test="receipts">
      <thead><tr><th class="num">#</th><th>period</th><th class="num">GPU-seconds</th><th class="num">charge</th><th>posted</th><th>state</th></tr></thead>
      <tbody>{rows.map((r) => (
        <tr key={String(r.seq)}>
          <td class="num">{String(r.seq)}</td><td>{date(r.periodStart)} + {duration(r.periodEnd - r.periodStart)}</td>
          <td class="num">{String(r.gpuSeconds)}</td><td class="num">{tokens(r.charge, decimals, unit)}</td><td>{date(r.at)}</td><td>{r.state}</td>
        </tr>
      ))}</tbody>
    </table></div>
  );
}
