/** One node: its spec, benchmark and record, the leases on it, and opening a lease. */
import { NodeStatus, parseDuration } from '@tessera/client';
import { useState } from 'preact/hooks';

import * as actions from '../actions';
import { date, model, tokens, until } from '../format';
import type { PageProps } from './shared';
import { peakTflops } from '../peaks';
import { Card, Link } from '../ui';

/** 32 bytes from 64 hex characters. */
function hash(hex: string): Uint8Array {
  if (!/^[0-9a-fA-F]{64}$/.test(hex)) {
    throw new Error('job hash: 64 hex characters (`tessera job hash <spec>` prints it)');
  }
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

function OpenLease({ snap, wallet, refresh, address }: PageProps & { address: string }) {
  const node = snap.nodes.find((n) => n.address === address);
  const [form, setForm] = useState({ gpus: '1', duration: '1h', jobHash: '', jobUri: '' });
  const [state, setState] = useState<{ busy: boolean; ok?: string; lease?: string; error?: string }>({ busy: false });
  if (!node || !wallet) return null;
  const field = (key: keyof typeof form, label: string, width = '8rem') => (
    <label>{label} <input name={key} style={`width:${width}`} value={form[key]} onInput={(e) => { setForm({ ...form, [key]: e.currentTarget.value }); }} /></label>
  );
  const submit = (e: Event) => {
    e.preventDefault();
    setState({ busy: true });
    const run = async () => {
      const gpus = Number(form.gpus);
      if (!Number.isInteger(gpus) || gpus < 1) throw new Error('GPUs: a whole number from 1');
      const terms = { gpus, secs: parseDuration(form.duration, 'duration'), jobHash: hash(form.jobHash), jobUri: form.jobUri || 'unspecified' };
      const { lease } = await actions.openLease(wallet.signer, node, snap.protocol.settlementMint, terms);
      await refresh();
      return lease;
    };
    run().then((lease) => { setState({ busy: false, ok: 'lease opened', lease }); },
      (err: unknown) => { setState({ busy: false, error: err instanceof Error ? err.message : String(err) }); });
  };
  return (
    <form class="action" onSubmit={submit} data-test="open-lease">
      {field('gpus', 'GPUs', '3rem')}{field('duration', 'for', '4rem')}{field('jobHash', 'job hash', '24rem')}{field('jobUri', 'job URI', '12rem')}
      <button type="submit" disabled={state.busy}>{state.busy ? '…' : 'Open lease'}</button>
      {state.ok && <span class="ok" role="status">{state.ok}: {state.lease && <Link to="lease" address={state.lease} />}</span>}
      {state.error && <span class="error" role="alert">{state.error}</span>}
    </form>
  );
}

export function NodePage(props: PageProps & { address: string }) {
  const { snap, wallet, address } = props;
  const found = snap.nodes.find((n) => n.address === address);
  if (!found) return <p class="error" role="alert">No node at {address}.</p>;
  const n = found.data;
  const name = model(n.spec.gpuModel);
  const provider = snap.providers.find((p) => p.address === n.provider)?.data;
  const peak = peakTflops(name);
  const leases = snap.leases.filter((l) => l.data.node === address);
  const d = snap.decimals;
  const benchmark = n.benchmarkedAt === 0n ? 'unattested'
    : `${(n.tflopsCenti / 100).toFixed(1)} TFLOPS${peak ? ` (${((n.tflopsCenti / 100 / peak) * 100).toFixed(0)}% of the ${peak} TFLOPS peak)` : ''}, ${n.memBwGbps} GB/s, ${date(n.benchmarkedAt)}`;
  return (
    <>
      <h1>Node {name}</h1>
      <p class="muted">{address} · pool <Link to="pool" address={n.pool} /> · {n.status === NodeStatus.Online ? 'online' : 'offline'}</p>
      <div class="cards">
        <Card label="GPUs free" value={`${n.spec.gpuCount - n.gpusAllocated}/${n.spec.gpuCount}`} test="free" />
        <Card label="price per GPU-hour" value={tokens(n.spec.pricePerGpuHour, d, snap.unit)} />
        <Card label="VRAM per GPU" value={`${Math.floor(n.spec.vramMib / 1024)} GiB`} />
        <Card label="lease length" value={`${n.spec.minLeaseSecs} s – ${n.spec.maxLeaseSecs} s`} />
        <Card label="benchmark" value={benchmark} />
        <Card label="GPU-seconds served" value={String(n.gpuSecondsServed)} />
        <Card label="provider record" value={provider ? `${String(provider.receiptsSettled)} receipts settled, ${provider.disputesLost} disputes lost` : '–'} />
      </div>
      <h2>Leases</h2>
      {leases.length === 0 ? <p class="muted">None open.</p> : (
        <div class="scroll">
        <table><thead><tr><th>lease</th><th>renter</th><th class="num">GPUs</th><th class="num">escrow</th><th class="num">charged</th><th>ends</th></tr></thead>
          <tbody>{leases.map((l) => (
            <tr key={l.address}><td><Link to="lease" address={l.address} /></td><td title={l.data.renter}>{l.data.renter.slice(0, 4)}…</td>
              <td class="num">{l.data.gpuCount}</td><td class="num">{tokens(l.data.escrow, d, snap.unit)}</td><td class="num">{tokens(l.data.chargedTotal, d, snap.unit)}</td>
              <td>{date(l.data.endAt)} ({until(l.data.endAt, snap.now)})</td></tr>
          ))}</tbody></table></div>
      )}
      <h2>Rent</h2>
      {wallet ? <OpenLease {...props} address={address} /> : <p class="muted">Connect a wallet to open a lease.</p>}
    </>
  );
}
