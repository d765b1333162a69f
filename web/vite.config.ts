import { defineConfig } from 'vite'

// The WebHost serves web/dist; in development Vite serves the app and forwards the server's routes.
const server = process.env.SPOTTER_SERVER ?? 'http://127.0.0.1:5000'

export default defineConfig({
  build: { outDir: 'dist', emptyOutDir: true, chunkSizeWarningLimit: 1024 },
  server: {
    proxy: {
      '/api': { target: server, changeOrigin: true },
      '/hubs': { target: server, changeOrigin: true, ws: true },
    },
  },
  preview: {
    proxy: {
      '/api': { target: server, changeOrigin: true },
      '/hubs': { target: server, changeOrigin: true, ws: true },
    },
  },
})
