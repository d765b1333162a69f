// The built client as the server serves it (over HTTP, through the real WebHost): hashed scripts arrive compressed
// and cacheable for good, index.html is revalidated, and an old browser without Brotli gets gzip. The initial script
// (the entry and the chunks it preloads) must stay under the budget of 250 KB compressed.
import { request } from 'node:http'
import { brotliDecompressSync, gunzipSync } from 'node:zlib'
import { expect, it } from 'vitest'
import { serverUrl } from './harness'

interface Answer { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }

/** A raw GET: Node's fetch would decompress and hide what was on the wire. */
function get(path: string, acceptEncoding?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const call = request(`${serverUrl()}${path}`, { headers: acceptEncoding ? { 'accept-encoding': acceptEncoding } : {} }, response => {
      const chunks: Buffer[] = []
      response.on('data', (chunk: Buffer) => chunks.push(chunk))
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }))
      response.on('error', reject)
    })
    call.on('error', reject)
    call.end()
  })
}

async function initialScripts(): Promise<string[]> {
  const index = await get('/', 'br, gzip')
  expect(index.status).toBe(200)
  const html = index.body.toString('utf8')
  return [...html.matchAll(/<(?:script[^>]+src|link rel="modulepreload"[^>]+href)="(\/assets\/[^"]+\.js)"/g)].map(m => m[1])
}

it('index.html is revalidated on every load, also under a client route', async () => {
  for (const path of ['/', '/space/some-space/page/some-page', '/admin/users']) {
    const answer = await get(path, 'br, gzip')
    expect(answer.status).toBe(200)
    expect(answer.headers['content-type']).toMatch(/^text\/html/)
    expect(answer.headers['cache-control']).toBe('no-cache')
    expect(answer.body.toString('utf8')).toContain('<div id="app"></div>')
  }
})

it('hashed scripts are sent pre-compressed and cached as immutable, within the initial budget', async () => {
  const scripts = await initialScripts()
  expect(scripts.length).toBeGreaterThan(0)
  let brotliBytes = 0
  let plainBytes = 0
  for (const script of scripts) {
    const plain = await get(script)
    expect(plain.status).toBe(200)
    expect(plain.headers['content-encoding']).toBeUndefined()
    expect(plain.headers['cache-control']).toBe('public, max-age=31536000, immutable')

    const brotli = await get(script, 'gzip, deflate, br')
    expect(brotli.headers['content-encoding']).toBe('br')
    expect(brotli.headers['content-type']).toMatch(/javascript/)
    expect(brotli.headers['cache-control']).toBe('public, max-age=31536000, immutable')
    expect(String(brotli.headers.vary)).toMatch(/Accept-Encoding/i)
    expect(brotliDecompressSync(brotli.body).equals(plain.body)).toBe(true)
    expect(brotli.body.length).toBeLessThan(plain.body.length)

    const gzip = await get(script, 'gzip')
    expect(gzip.headers['content-encoding']).toBe('gzip')
    expect(gunzipSync(gzip.body).equals(plain.body)).toBe(true)

    const refused = await get(script, 'br;q=0, gzip')
    expect(refused.headers['content-encoding']).toBe('gzip')

    brotliBytes += brotli.body.length
    plainBytes += plain.body.length
  }
  console.log(`initial script: ${scripts.length} files, ${plainBytes} bytes, ${brotliBytes} bytes Brotli`)
  expect(brotliBytes).toBeLessThan(250 * 1024)
})

it('an unknown asset is a 404, not the app page', async () => {
  const answer = await get('/assets/missing-0000.js', 'br')
  expect(answer.status).toBe(404)
})
