/// <reference types="vitest/config" />
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The built UI is served by `inferno serve` from web/dist; `npm run dev` proxies the API
// to a server on :8080 so the UI can be worked on with hot reload.
const api = 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 800 },
  server: {
    proxy: Object.fromEntries(
      ['/v1', '/api', '/chat', '/tokenize', '/detokenize', '/health', '/metrics'].map((p) => [p, api]),
    ),
  },
  // 20 s, not Vitest's 5 s: CI's two cores also build and run the C++ suite, and a render test
  // that takes 2 s alone has passed the 5 s mark under that load.
  test: {
    environment: 'node',
    globals: true,
    include: ['src/**/*.test.{ts,tsx}'],
    testTimeout: 20000,
  },
});
