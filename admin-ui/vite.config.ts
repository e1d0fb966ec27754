import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// In development the admin runs on Vite's server and the core's API is proxied, so the browser
// still sees one origin and the session cookie (SameSite=Strict) is sent as in production.
const talonUrl = process.env['TALON_URL'] ?? 'http://127.0.0.1:5001';

export default defineConfig({
  plugins: [vue()],
  server: {
    port: 5173,
    strictPort: true,
    proxy: {
      // ws: the live view of a recording is a WebSocket under /api.
      '/api': { target: talonUrl, changeOrigin: false, ws: true },
    },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    // The core's CSP allows scripts and styles from 'self' only: never inline anything.
    assetsInlineLimit: 0,
    sourcemap: false,
    // noVNC (the live view) is ES modules with top-level await.
    target: 'es2022',
  },
});
