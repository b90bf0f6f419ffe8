/** The wallet in the header: connect a Wallet Standard wallet, then its address and balances. */
import { lamports } from '@solana/kit';
import { useEffect, useState } from 'preact/hooks';

import { rpc, type Snapshot, tokenBalance } from '../chain';
import { LOCAL } from '../config';
import { short, tokens } from '../format';
import { type Connected, connect, onWalletsChanged, usableWallets } from '../wallet/connect';

export function WalletBar({ wallet, onConnect, snap }: {
  wallet: Connected | null;
  onConnect: (c: Connected) => void;
  snap: Snapshot | null;
}) {
  const [wallets, setWallets] = useState(usableWallets());
  const [error, setError] = useState<string | null>(null);
  const [balances, setBalances] = useState<{ sol: bigint; tokens: bigint } | null>(null);
  useEffect(() => onWalletsChanged(() => { setWallets(usableWallets()); }), []);
  useEffect(() => {
    if (!wallet || !snap) return;
    void Promise.all([
      rpc.getBalance(wallet.address).send(),
      tokenBalance(wallet.address, snap.protocol.settlementMint),
    ]).then(([sol, t]) => { setBalances({ sol: sol.value, tokens: t }); });
  }, [wallet, snap]);
  if (!wallet) {
    return (
      <span class="wallet">
        {wallets.length === 0 && <span>No Solana wallet found{LOCAL ? '' : ' (the development wallet is offered on a local network only)'}</span>}
        {wallets.map((w) => (
          <button key={w.name} onClick={() => { connect(w).then(onConnect, (e: unknown) => { setError(String(e)); }); }}>
            Connect {w.name}
          </button>
        ))}
        {error && <span class="error" role="alert">{error}</span>}
      </span>
    );
  }
  return (
    <span class="wallet" data-test="wallet">
      <span title={wallet.address}>{wallet.wallet.name}: {short(wallet.address)}</span>
      {balances && snap && (
        <span data-test="balances">
          {tokens(balances.sol, 9, 'SOL')} · {tokens(balances.tokens, snap.decimals, snap.unit)}
        </span>
      )}
      {LOCAL && balances?.tokens === 0n && (
        <span class="muted" data-test="fund-hint">fund it: tessera-localnet --fund {wallet.address}</span>
      )}
      {LOCAL && balances?.sol === 0n && (
        <button onClick={() => { void rpc.requestAirdrop(wallet.address, lamports(1_000_000_000n)).send(); }}>Airdrop 1 SOL</button>
      )}
    </span>
  );
}
