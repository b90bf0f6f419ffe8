/** Every pool: share value, NAV split, settled-revenue yield, utilisation and queue. */
import { formatRatio, lockedRevenueAt, nav, shareValue } from '@tessera/client';

import { model, percent, tokens } from '../format';
import { Link } from '../ui';
import { type PageProps, utilisation, YieldLine } from './shared';

export function Pools({ snap }: PageProps) {
  const d = snap.decimals;
  return (
    <>
      <h1>Pools</h1>
      {snap.pools.length === 0 ? (
        <div class="empty" data-test="empty">
          <p>No pool exists on this chain yet.</p>
          <p>An operator creates one with <code>tessera pool create --id 1 --gpu-model "NVIDIA H100 80GB HBM3" --gpus 8</code>; on a local network, <code>cargo run -p tessera-localnet -- --seed demo</code> starts one with a funded pool.</p>
        </div>
      ) : (
      <div class="scroll">
      <table data-test="pools" data-now={String(snap.now)}>
        <thead>
          <tr>
            <th>pool</th><th>GPU model</th><th class="num">share value</th><th class="num">NAV</th>
            <th class="num">cash</th><th class="num">escrowed</th><th class="num">pending</th>
            <th class="num">lent out</th><th class="num">vesting revenue</th><th>yield (settled revenue)</th>
            <th class="num">utilisation</th><th class="num">queued shares</th>
          </tr>
        </thead>
        <tbody>
          {snap.pools.map((p) => {
            const { num, den } = shareValue(p.data, snap.now);
            const u = utilisation(snap, p.address);
            return (
              <tr key={p.address} data-pool={p.address}>
                <td><Link to="pool" address={p.address} /></td>
                <td>{model(p.data.gpuModel)}</td>
                <td class="num" data-test="share-value">{formatRatio(num, den, 6)}</td>
                <td class="num" data-test="nav">{tokens(nav(p.data, snap.now), d, snap.unit)}</td>
                <td class="num">{tokens(p.data.cash, d, snap.unit)}</td>
                <td class="num">{tokens(p.data.escrowed, d, snap.unit)}</td>
                <td class="num">{tokens(p.data.pending, d, snap.unit)}</td>
                <td class="num">{tokens(p.data.deployedPrincipal, d, snap.unit)}</td>
                <td class="num">{tokens(lockedRevenueAt(p.data, snap.now), d, snap.unit)}</td>
                <td><YieldLine pool={p.data} address={p.address} snap={snap} /></td>
                <td class="num" data-test="utilisation">{u.leased}/{u.registered} GPUs ({percent(BigInt(u.leased), BigInt(u.registered))})</td>
                <td class="num">{tokens(p.data.queuedShares, d, 'shares')}</td>
              </tr>
            );
          })}
        </tbody>
      </table></div>
      )}
      {snap.pools.length === 0 && <p class="muted">No pools on this chain yet.</p>}
    </>
  );
}
