// Builds the dashboard into dist/web, where the hub serves it from (src/hub/routes/dashboard.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  logLevel: 'warn',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../../dist/web', import.meta.url)),
    emptyOutDir: true,
    target: 'es2022',
    // One small bundle: no chunk to fetch later, nothing inline (the hub's CSP allows only 'self').
    assetsInlineLimit: 0,
    modulePreload: false,
    reportCompressedSize: false,
  },
});
