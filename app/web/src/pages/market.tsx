/**
 * Every node for rent: model, GPUs free of total, price, attested benchmark as a share of the
 * card's published peak ("unattested" when there is none), the provider's record and status;
 * sorted and filtered, a page of 100 at a time.
 */
import { NodeStatus, ProviderStatus } from '@tessera/client';
import { useMemo, useState } from 'preact/hooks';

import { model, tokens } from '../format';
import type { PageProps } from './shared';
import { peakTflops } from '../peaks';
import { Link } from '../ui';

type Sort = 'price' | 'free' | 'benchmark' | 'reputation';
const PAGE = 100;

export function Market({ snap }: PageProps) {
  const [sort, setSort] = useState<Sort>('price');
  const [text, setText] = useState('');
  const [minFree, setMinFree] = useState(0);
  const [page, setPage] = useState(0);
  const providers = useMemo(() => new Map(snap.providers.map((p) => [p.address, p.data])), [snap]);
  const rows = useMemo(() => {
    const all = snap.nodes.map((n) => {
      const name = model(n.data.spec.gpuModel);
      const provider = providers.get(n.data.provider);
      const peak = peakTflops(name);
      const tflops = n.data.benchmarkedAt > 0n ? n.data.tflopsCenti / 100 : null;
      return {
        n, name, provider, tflops,
        ofPeak: tflops !== null && peak ? tflops / peak : null,
        free: n.data.spec.gpuCount - n.data.gpusAllocated,
      };
    });
    const wanted = all.filter((r) => r.name.toLowerCase().includes(text.toLowerCase()) && r.free >= minFree);
    const by: Record<Sort, (a: (typeof all)[number], b: (typeof all)[number]) => number> = {
      price: (a, b) => Number(a.n.data.spec.pricePerGpuHour - b.n.data.spec.pricePerGpuHour),
      free: (a, b) => b.free - a.free,
      benchmark: (a, b) => (b.ofPeak ?? -1) - (a.ofPeak ?? -1),
      reputation: (a, b) => Number((b.provider?.receiptsSettled ?? 0n) - (a.provider?.receiptsSettled ?? 0n)),
    };
    return wanted.sort(by[sort]);
  }, [snap, providers, sort, text, minFree]);
  const shown = rows.slice(page * PAGE, (page + 1) * PAGE);
  const head = (key: Sort, label: string) => (
    <th class="num"><button onClick={() => { setSort(key); }} aria-pressed={sort === key}>{label}{sort === key ? ' ▾' : ''}</button></th>
  );
  return (
    <>
      <h1>Market</h1>
      <div class="filters">
        <label>Model <input value={text} onInput={(e) => { setText(e.currentTarget.value); setPage(0); }} placeholder="H100" /></label>
        <label>At least <input type="number" min="0" value={minFree} style="width:4rem" onInput={(e) => { setMinFree(Number(e.currentTarget.value)); setPage(0); }} /> free GPUs</label>
        <span class="muted" data-test="market-count">{rows.length} of {snap.nodes.length} nodes</span>
      </div>
      {rows.length === 0 ? (
        <div class="empty" data-test="empty">
          {snap.nodes.length === 0 ? (
            <p>No GPU node is registered on this chain yet. A provider registers one with <code>tessera-agent init</code> then <code>tessera-agent register --pool &lt;POOL&gt; --price 2</code>.</p>
          ) : (
            <p>No node matches: {snap.nodes.length} registered, none with this model and at least {minFree} free GPUs. Clear the filters, or post a bid (<code>tessera bid post</code>) that a provider can fill later.</p>
          )}
        </div>
      ) : (
      <div class="scroll">
      <table data-test="market">
        <thead>
          <tr>
            <th>node</th><th>model</th>{head('free', 'free / GPUs')}{head('price', 'price per GPU-hour')}
            {head('benchmark', 'benchmark')}{head('reputation', 'receipts settled')}<th class="num">disputes lost</th><th>status</th>
          </tr>
        </thead>
        <tbody>
          {shown.map((r) => (
            <tr key={r.n.address} data-node={r.n.address}>
              <td><Link to="node" address={r.n.address} /></td>
              <td>{r.name}</td>
              <td class="num" data-test="free">{r.free}/{r.n.data.spec.gpuCount}</td>
              <td class="num">{tokens(r.n.data.spec.pricePerGpuHour, snap.decimals, snap.unit)}</td>
              <td class="num">{r.tflops === null ? <span class="tag warn">unattested</span>
                : `${r.tflops.toFixed(0)} TFLOPS${r.ofPeak === null ? '' : ` (${(r.ofPeak * 100).toFixed(0)}% of peak)`}`}</td>
              <td class="num">{String(r.provider?.receiptsSettled ?? 0n)}</td>
              <td class="num">{r.provider?.disputesLost ?? 0}</td>
              <td>{r.n.data.status === NodeStatus.Online ? 'online' : 'offline'}
                {r.provider?.status === ProviderStatus.Jailed && <span class="tag warn"> provider jailed</span>}</td>
            </tr>
          ))}
        </tbody>
      </table></div>
      )}
      {rows.length > PAGE && (
        <p>
          <button disabled={page === 0} onClick={() => { setPage(page - 1); }}>previous</button>{' '}
          page {page + 1} of {Math.ceil(rows.length / PAGE)}{' '}
          <button disabled={(page + 1) * PAGE >= rows.length} onClick={() => { setPage(page + 1); }}>next</button>
        </p>
      )}
    </>
  );
}
