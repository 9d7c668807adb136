// Builds the softphone and supervisor board into web/dist, which the server serves on its own port.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  logLevel: 'warn',
  build: {
    outDir: process.env.WEB_OUT_DIR ?? `${root}/dist`,
    emptyOutDir: true,
    target: 'es2022',
    // The Telnyx SDK is large; it is its own chunk, loaded only by the softphone.
    chunkSizeWarningLimit: 900,
  },
  worker: { format: 'es' },
});
