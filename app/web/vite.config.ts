import { fileURLToPath } from 'node:url';

import { defineConfig } from 'vite';

// The TypeScript client is used from source (app/ts/src); one copy of @solana/kit for both.
export default defineConfig({
  resolve: {
    alias: { '@tessera/client': fileURLToPath(new URL('../ts/src/index.ts', import.meta.url)) },
    dedupe: ['@solana/kit', '@solana/program-client-core'],
  },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2022', reportCompressedSize: true, chunkSizeWarningLimit: 1024 },
  preview: { port: 4173, strictPort: true },
});
