/** Small pieces every page uses: figures, address links, and an action form with its outcome. */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';

import { short } from './format';

export function Card({ label, value, test }: { label: string; value: ComponentChildren; test?: string }) {
  return (
    <div class="card" data-test={test}>
      <div class="label">{label}</div>
      <div class="value">{value}</div>
    </div>
  );
}

export function Link({ to, address }: { to: string; address: string }) {
  return <a href={`#/${to}/${address}`} title={address}>{short(address)}</a>;
}

/**
 * A form with one amount (or none) and a button; shows "…" while it runs, then the outcome in
 * words (`role=alert` for a refusal).
 */
export function ActionForm({ label, placeholder, run, name }: {
  label: string;
  placeholder?: string;
  name: string;
  run: (value: string) => Promise<string>;
}) {
  const [value, setValue] = useState('');
  const [state, setState] = useState<{ busy: boolean; ok?: string; error?: string }>({ busy: false });
  const submit = (e: Event) => {
    e.preventDefault();
    setState({ busy: true });
    run(value.trim()).then(
      (ok) => { setState({ busy: false, ok }); },
      (err: unknown) => { setState({ busy: false, error: err instanceof Error ? err.message : String(err) }); },
    );
  };
  return (
    <form class="action" onSubmit={submit} data-test={name}>
      {placeholder !== undefined && (
        <input name={name} value={value} placeholder={placeholder} onInput={(e) => { setValue(e.currentTarget.value); }} />
      )}
      <button type="submit" disabled={state.busy}>{state.busy ? '…' : label}</button>
      {state.ok && <span class="ok" role="status">{state.ok}</span>}
      {state.error && <span class="error" role="alert">{state.error}</span>}
    </form>
  );
}
