import { readNetwork } from './network';

export default function teardown(): void {
  try {
    process.kill(readNetwork().pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
}
