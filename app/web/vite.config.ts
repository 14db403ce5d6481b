import { defineConfig } from 'vite';

// The client package (app/js) is linked as source (`file:../js`); npm does not install a linked
// folder's dependencies, so app/web depends on them too (same versions) and every import of
// them resolves from here: one copy of @solana/kit in the bundle, and `npm ci` in app/web is
// enough to build.
export default defineConfig({
  resolve: { dedupe: ['@solana/kit', '@solana/sysvars', '@solana-program/token', 'preact'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173 },
});
