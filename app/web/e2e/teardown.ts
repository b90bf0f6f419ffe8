import { readNetwork, stopPostgres } from './network';

export default function teardown(): void {
  const net = readNetwork();
  for (const pid of [net.pid, net.indexerPid]) {
    try {
      if (pid) process.kill(pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
  if (net.pgData) stopPostgres(net.pgData);
}
