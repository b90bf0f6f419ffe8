/** The chain picker in the header: a named chain or any RPC URL, remembered once chosen. */
import { useState } from 'preact/hooks';

import { CHAINS, RPC_URL, switchChain } from '../config';

export function ChainPicker() {
  const known = CHAINS.find((c) => c.url === RPC_URL);
  const [choice, setChoice] = useState(known?.url ?? '');
  const [custom, setCustom] = useState(known ? '' : RPC_URL);
  const [error, setError] = useState<string | null>(null);
  const submit = (e: Event) => {
    e.preventDefault();
    const url = choice || custom.trim();
    try {
      const parsed = new URL(url);
      if (!['http:', 'https:'].includes(parsed.protocol)) throw new Error('not http');
      switchChain(url);
    } catch {
      setError(`\`${url}\` is not an http(s) RPC URL`);
    }
  };
  return (
    <form class="chain" data-test="chain" onSubmit={submit}>
      <label>
        Chain{' '}
        <select value={choice} onChange={(e) => { setChoice(e.currentTarget.value); setError(null); }}>
          {CHAINS.map((c) => <option key={c.url} value={c.url}>{c.name}</option>)}
          <option value="">other RPC URL…</option>
        </select>
      </label>
      {choice === '' && (
        <input name="rpc" value={custom} placeholder="https://…" onInput={(e) => { setCustom(e.currentTarget.value); setError(null); }} />
      )}
      <button type="submit">use</button>
      {error && <span class="error" role="alert">{error}</span>}
    </form>
  );
}
