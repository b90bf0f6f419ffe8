/**
 * Where the dashboard reads from: `?rpc=` (remembered), else the last one used, else the local
 * network. The websocket URL follows Solana's convention (RPC port + 1) unless `?ws=` says; a
 * new `?rpc=` forgets the websocket and indexer remembered for the old one.
 */
const params = new URLSearchParams(location.search);
const newChain = params.get('rpc') !== null && params.get('rpc') !== localStorage.getItem('tessera.rpc');
const remembered = (key: string, fallback: string): string => {
  const given = params.get(key);
  if (given) localStorage.setItem(`tessera.${key}`, given);
  else if (newChain && key !== 'rpc') localStorage.removeItem(`tessera.${key}`);
  return given ?? localStorage.getItem(`tessera.${key}`) ?? fallback;
};

export const RPC_URL = remembered('rpc', 'http://127.0.0.1:8899');

function nextPort(url: string): string {
  const u = new URL(url.replace(/^http/, 'ws'));
  if (u.port) u.port = String(Number(u.port) + 1);
  return u.toString();
}

export const WS_URL = remembered('ws', nextPort(RPC_URL));

/** Whether the RPC is a local network (the development wallet is offered only there). */
export const LOCAL = ['127.0.0.1', 'localhost'].includes(new URL(RPC_URL).hostname);

/** The indexer's read API (`?indexer=`), if one serves this chain: histories come from it. */
export const INDEXER_URL = remembered('indexer', '').replace(/\/$/, '');

/** `?read=full`: every page reads everything, as before the market's narrow read (for the side-by-side benchmark). */
export const FULL_READS = params.get('read') === 'full';

/** The chains the picker offers by name; any other URL can be typed. */
export const CHAINS: readonly { name: string; url: string }[] = [
  { name: 'local network', url: 'http://127.0.0.1:8899' },
  { name: 'devnet', url: 'https://api.devnet.solana.com' },
  { name: 'mainnet-beta', url: 'https://api.mainnet-beta.solana.com' },
];

/** Reloads the dashboard on the chain at `url` (remembered from then on). */
export function switchChain(url: string): void {
  location.search = `?rpc=${encodeURIComponent(url)}`;
}
