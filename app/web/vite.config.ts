import { defineConfig } from 'vite';

// The client package (app/js) is linked as source (`file:../js`): bundle one copy of
// @solana/kit whichever node_modules its files would resolve it from.
export default defineConfig({
  resolve: { dedupe: ['@solana/kit', '@solana/sysvars', 'preact'] },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: { target: 'es2022', sourcemap: false, chunkSizeWarningLimit: 1024 },
  server: { port: 5173, strictPort: false },
  preview: { port: 4173 },
});
