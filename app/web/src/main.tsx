/**
 * The dashboard: pools, the market, nodes, leases and their receipts, staking, and actions
 * through a Wallet Standard wallet (the development wallet on a local network). It reads the
 * chain through its RPC; it has no server of its own.
 */
import { render } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';

import { snapshot, type Snapshot } from './chain';
import { FULL_READS, LOCAL, RPC_URL } from './config';
import { Account } from './pages/account';
import { LeasePage } from './pages/lease';
import { Market } from './pages/market';
import { ChainPicker } from './pages/network';
import { NodePage } from './pages/node';
import { PoolPage } from './pages/pool';
import { Pools } from './pages/pools';
import { Staking } from './pages/staking';
import { WalletBar } from './pages/wallet';
import type { Connected } from './wallet/connect';
import { registerDevWallet } from './wallet/dev';

if (LOCAL) registerDevWallet();

/** What every page receives. */

function route(): [string, string] {
  const [, page = 'pools', arg = ''] = location.hash.split('/');
  return [page, arg];
}

function App() {
  const [[page, arg], setRoute] = useState(route());
  const [snap, setSnap] = useState<Snapshot | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [wallet, setWallet] = useState<Connected | null>(null);
  const refresh = useCallback(async () => {
    try {
      setSnap(await snapshot(route()[0] === 'market' && !FULL_READS ? 'market' : 'all'));
      setError(null);
    } catch (e) {
      setError(`cannot read the chain at ${RPC_URL}: ${e instanceof Error ? e.message : String(e)}. Pick another chain above.`);
    }
  }, []);
  useEffect(() => {
    const onHash = () => { setRoute(route()); void refresh(); };
    window.addEventListener('hashchange', onHash);
    void refresh();
    return () => { window.removeEventListener('hashchange', onHash); };
  }, [refresh]);
  const nav = (to: string, label: string) => <a href={`#/${to}`} class={page === to ? 'active' : ''}>{label}</a>;
  // A market-only read serves the market alone; any other page waits for a full one.
  const props = snap && (snap.scope === 'all' || page === 'market') ? { snap, wallet, refresh } : null;
  return (
    <>
      <header>
        <span class="brand">Tessera</span>
        {nav('pools', 'Pools')}
        {nav('market', 'Market')}
        {nav('staking', 'Staking')}
        {nav('account', 'My account')}
        <ChainPicker />
        <WalletBar wallet={wallet} onConnect={setWallet} snap={snap} />
      </header>
      <main>
        {error && <p class="error" role="alert">{error}</p>}
        {!props && !error && <p class="loading">Reading the chain…</p>}
        {props && page === 'pools' && <Pools {...props} />}
        {props && page === 'pool' && <PoolPage {...props} address={arg} />}
        {props && page === 'market' && <Market {...props} />}
        {props && page === 'node' && <NodePage {...props} address={arg} />}
        {props && page === 'lease' && <LeasePage {...props} address={arg} />}
        {props && page === 'staking' && <Staking {...props} />}
        {props && page === 'account' && <Account {...props} />}
        <p class="muted">Chain: {RPC_URL}</p>
      </main>
    </>
  );
}

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
