/**
 * One pool: its ledger, the yield of its settled revenue, a chart of share value and revenue
 * from its events, the redemption queue, and deposit / redeem / queue a redemption.
 */
import { formatAmount, formatRatio, lockedRevenueAt, nav, parseAmount, type Pool, shareValue, shareValueOf, TicketStatus } from '@tessera/client';
import { useEffect, useMemo, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

import * as actions from '../actions';
import { type Dated, tokenBalance } from '../chain';
import { date, model, tokens } from '../format';
import { ActionForm, Card, Link } from '../ui';
import { events, forgetEvents, type PageProps, utilisation, yieldOf } from './shared';

/**
 * Share value from the NAV after each deposit and redemption (as the program prices shares:
 * `(nav + virtual) / (shares + virtual)`, never a trade's own rounded price), and now; and
 * cumulative investor revenue.
 */
function points(list: Dated[], pool: Pool, now: bigint, decimals: number): [number[], (number | null)[], number[]] {
  const byTime = new Map<number, { price: number | null; revenue: number }>();
  let earned = 0n;
  const scale = 10 ** decimals;
  for (const { event, at } of list) {
    const previous = byTime.get(Number(at))?.price ?? null;
    if (event.name === 'Deposited' || event.name === 'Redeemed') {
      const { nav, totalShares } = event.data;
      const { num, den } = shareValueOf(nav, totalShares);
      const price = Number(num) / Number(den);
      byTime.set(Number(at), { price, revenue: Number(earned) / scale });
    } else if (event.name === 'ChargeSettled') {
      earned += event.data.investors;
      byTime.set(Number(at), { price: previous, revenue: Number(earned) / scale });
    }
  }
  const { num, den } = shareValue(pool, now);
  byTime.set(Number(now), { price: Number(num) / Number(den), revenue: Number(earned) / scale });
  const xs = [...byTime.keys()].sort((a, b) => a - b);
  return [xs, xs.map((x) => byTime.get(x)?.price ?? null), xs.map((x) => byTime.get(x)?.revenue ?? 0)];
}

/** Tick labels with as many decimals (6 to 12) as it takes for no two to read the same. */
function distinct(ticks: number[]): string[] {
  let digits = 6;
  while (digits < 12 && new Set(ticks.map((v) => v.toFixed(digits))).size < ticks.length) digits++;
  return ticks.map((v) => v.toFixed(digits));
}

/** A finite, non-empty range around the data (uPlot loops on an empty or infinite one). */
function padded(_: uPlot, min: number | null, max: number | null): [number, number] {
  const lo = Number.isFinite(min) ? (min as number) : 0;
  const hi = Number.isFinite(max) ? (max as number) : lo;
  const pad = hi > lo ? (hi - lo) * 0.1 : Math.max(Math.abs(hi) * 0.01, 1e-6);
  return [lo - pad, hi + pad];
}

function Chart({ list, pool, now, decimals }: { list: Dated[]; pool: Pool; now: bigint; decimals: number }) {
  const box = useRef<HTMLDivElement>(null);
  const [failed, setFailed] = useState<string | null>(null);
  // Computed once per change of its inputs, for the plot and for the page's `data-prices`.
  const data = useMemo(() => points(list, pool, now, decimals), [list, pool, now, decimals]);
  useEffect(() => {
    if (!box.current) return;
    try {
      const plot = new uPlot({
        width: Math.min(900, box.current.clientWidth || 900), height: 260,
        scales: { x: { time: true }, price: { range: padded }, revenue: { range: padded } },
        series: [{}, { label: 'share value', stroke: '#1f6feb', spanGaps: true, scale: 'price' }, { label: 'investor revenue (tokens)', stroke: '#1a7f37', scale: 'revenue' }],
        axes: [
          {},
          { scale: 'price', size: 90, values: (_, ticks) => distinct(ticks) },
          // uPlot's `Side` is a const enum that isolated modules cannot name: 1 is "right".
          // eslint-disable-next-line @typescript-eslint/no-unsafe-enum-assignment
          { scale: 'revenue', side: 1, size: 70 },
        ],
      }, data, box.current);
      return () => { plot.destroy(); };
    } catch (e) {
      setFailed(e instanceof Error ? e.message : String(e));
      return undefined;
    }
  }, [data]);
  const prices = data[1].filter((p) => p !== null);
  return (
    <div ref={box} data-test="chart" data-prices={JSON.stringify(prices)}>
      {failed && <p class="error">The chart cannot be drawn: {failed}</p>}
    </div>
  );
}

export function PoolPage({ snap, wallet, refresh, address }: PageProps & { address: string }) {
  const found = snap.pools.find((p) => p.address === address);
  const [list, setList] = useState<Dated[] | null>(null);
  const [held, setHeld] = useState<bigint | null>(null);
  useEffect(() => { void events(address).then(setList, () => { setList([]); }); }, [address]);
  useEffect(() => {
    if (wallet && found) void tokenBalance(wallet.address, found.data.shareMint).then(setHeld);
  }, [wallet, found, snap]);
  if (!found) return <p class="error" role="alert">No pool at {address}.</p>;
  const p = found.data;
  const d = snap.decimals;
  const { num, den } = shareValue(p, snap.now);
  const u = utilisation(snap, address);
  const tickets = snap.tickets.filter((t) => t.data.pool === address);
  const ref = { address: found.address, data: p, mint: snap.protocol.settlementMint };
  const after = async (what: string) => { forgetEvents(address); await refresh(); return what; };
  return (
    <>
      <h1 data-test="pool-page" data-now={String(snap.now)}>Pool {model(p.gpuModel)}</h1>
      <p class="muted">{address} · operator <Link to="pool" address={p.operator} /> · fee {p.operatorFeeBps[0] / 100}%</p>
      <div class="cards">
        <Card label="share value (tokens)" value={formatRatio(num, den, 6)} test="share-value" />
        <Card label="NAV" value={tokens(nav(p, snap.now), d, snap.unit)} test="nav" />
        <Card label="cash" value={tokens(p.cash, d, snap.unit)} />
        <Card label="escrowed by renters" value={tokens(p.escrowed, d, snap.unit)} />
        <Card label="pending charges" value={tokens(p.pending, d, snap.unit)} />
        <Card label="lent out" value={tokens(p.deployedPrincipal, d, snap.unit)} />
        <Card label="revenue still vesting" value={tokens(lockedRevenueAt(p, snap.now), d, snap.unit)} />
        <Card label="utilisation" value={`${u.leased}/${u.registered} GPUs`} />
        <Card label="yield" value={list ? yieldOf(list, p, snap.now, snap.unit, snap.decimals).text : '…'} test="yield" />
        <Card label="shares outstanding" value={tokens(p.totalShares, d, 'shares')} />
      </div>
      {list && <Chart list={list} pool={p} now={snap.now} decimals={d} />}
      <h2>Redemption queue</h2>
      {tickets.length === 0 ? <p class="muted">Empty.</p> : (
        <div class="scroll">
        <table><thead><tr><th>#</th><th>owner</th><th class="num">shares</th><th>requested</th><th>status</th></tr></thead>
          <tbody>{tickets.map((t) => (
            <tr key={t.address}><td>{String(t.data.seq)}</td><td><Link to="staking" address={t.data.owner} /></td>
              <td class="num">{tokens(t.data.shares, d, 'shares')}</td><td>{date(t.data.requestedAt)}</td><td>{t.data.status === TicketStatus.Queued ? 'queued' : 'fulfilled'}</td></tr>
          ))}</tbody></table></div>
      )}
      <h2>Invest</h2>
      {!wallet ? <p class="muted">Connect a wallet to deposit or redeem.</p> : (
        <>
          <p>You hold <span data-test="my-shares">{held === null ? '…' : tokens(held, d, 'shares')}</span>.</p>
          <ActionForm name="deposit" label="Deposit" placeholder="amount in tokens" run={async (v) => {
            await actions.deposit(wallet.signer, ref, parseAmount(v, d, 'deposit'));
            return after(`deposited ${v}`);
          }} />
          <ActionForm name="redeem" label="Redeem now" placeholder="shares" run={async (v) => {
            await actions.redeem(wallet.signer, ref, parseAmount(v, d, 'shares'), 0n);
            return after(`redeemed ${v} shares`);
          }} />
          <ActionForm name="request-redemption" label="Queue a redemption" placeholder="shares" run={async (v) => {
            await actions.requestRedemption(wallet.signer, ref, parseAmount(v, d, 'shares'));
            return after(`queued ${v} shares`);
          }} />
          <p class="muted">Amounts in tokens with up to {d} decimals; a redemption now pays from free cash ({formatAmount(p.cash, d)}).</p>
        </>
      )}
    </>
  );
}
