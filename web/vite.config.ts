import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { brotliCompressSync, constants, gzipSync } from 'node:zlib'
import react from '@vitejs/plugin-react'
import { defineConfig, type Plugin } from 'vite'

// The WebHost serves web/dist; in development Vite serves the app and forwards the server's routes.
const server = process.env.SPOTTER_SERVER ?? 'http://127.0.0.1:5000'

/**
 * Writes a Brotli (.br) and a gzip (.gz) copy next to every hashed script and style sheet, at the highest levels:
 * they are compressed once at build time, and the WebHost serves the copy the browser accepts
 * (src/WebHost/Hosting/WebClientExtensions.cs).
 */
function precompress(): Plugin {
  let outDir = 'dist'
  return {
    name: 'spotter-precompress',
    apply: 'build',
    configResolved(config) { outDir = resolve(config.root, config.build.outDir) },
    closeBundle() {
      const assets = join(outDir, 'assets')
      for (const name of readdirSync(assets)) {
        const path = join(assets, name)
        if (!/\.(js|css|svg|json)$/.test(name) || statSync(path).size < 1024) continue
        const content = readFileSync(path)
        writeFileSync(`${path}.br`, brotliCompressSync(content, {
          params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: content.length },
        }))
        writeFileSync(`${path}.gz`, gzipSync(content, { level: 9 }))
      }
    },
  }
}

export default defineConfig({
  plugins: [react(), precompress()],
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
