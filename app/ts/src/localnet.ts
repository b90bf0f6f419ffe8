/** Endpoints and the development clock: what a client needs besides the program itself. */

/**
 * The websocket URL a node serves beside its JSON-RPC `rpcUrl`: the same host, `ws` for `http`
 * and `wss` for `https`, on the next port (as `solana-test-validator` and `tessera-localnet`
 * do); a URL without a port keeps the scheme's default. Refuses what is not an http(s) URL.
 */
export function websocketUrl(rpcUrl: string): string {
  let url: URL;
  try {
    url = new URL(rpcUrl);
  } catch {
    throw new Error(`${JSON.stringify(rpcUrl)} is not a URL like http://127.0.0.1:8899`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`${rpcUrl} is not an http(s) JSON-RPC URL`);
  }
  const ws = new URL(rpcUrl);
  ws.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  if (url.port) ws.port = String(Number(url.port) + 1);
  return ws.toString().replace(/\/$/, '');
}

/**
 * Moves a Tessera local network's clock `secs` forward (its `tessera_advanceClock` method) and
 * resolves with the new cluster time, unix seconds. A cluster's clock cannot be moved: any
 * other node refuses, and this says so.
 */
export async function advanceClock(rpcUrl: string, secs: number): Promise<bigint> {
  if (!Number.isInteger(secs) || secs < 0 || secs > 4_294_967_295) {
    throw new Error(`seconds must be a whole number from 0 to 4294967295, not ${String(secs)}`);
  }
  const body = JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tessera_advanceClock', params: [secs] });
  const response = await fetch(rpcUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = (await response.json()) as { result?: number; error?: { code: number; message: string } };
  if (answer.error) {
    const why = answer.error.code === -32601 ? 'it is not a Tessera local network' : answer.error.message;
    throw new Error(`cannot move the clock of ${rpcUrl}: ${why}`);
  }
  return BigInt(answer.result ?? 0);
}
