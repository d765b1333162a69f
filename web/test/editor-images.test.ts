// Images the server would refuse are refused in the page first, with a notice saying why (in the user's language):
// too large for the server's limit (told by GET /api/docs/{id}), or not one of the four image types; a 413 or 415
// from the server reads the same.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { createUser, serverUrl } from './harness'
import { launchChromium, newContext, openDocument } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

const pngHeader = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]
/** A file that starts like a PNG, `size` bytes long. */
const pngLike = (size: number) => { const bytes = Buffer.alloc(size); Buffer.from(pngHeader).copy(bytes); return bytes }

/** Counts the attachment uploads the page sends. */
function countUploads(page: Page): () => number {
  let count = 0
  page.on('request', request => { if (request.method() === 'POST' && /\/attachments$/.test(new URL(request.url()).pathname)) count++ })
  return () => count
}

const notice = (page: Page) => page.textContent('[data-testid=notice]')
const imageCount = (page: Page) => page.locator('.tiptap img').count()

it('an image over the server\'s limit or of another type is refused before uploading, with a notice saying why', async () => {
  const url = serverUrl()
  const ana = await createUser('ana')
  const docId = await ana.api.createDocument('Big pictures')
  // The server tells the limit (10 MB by default) with the document.
  const limit = (await ana.api.describeDocument(docId)).maxAttachmentBytes
  expect(limit).toBe(10 * 1024 * 1024)
  const context = await newContext(browser!)
  const page = await openDocument(context, ana, docId)
  const uploads = countUploads(page)
  await page.click('.tiptap')
  await page.keyboard.type('Photos:')

  await page.setInputFiles('[data-testid=image-input]', { name: 'panorama.png', mimeType: 'image/png', buffer: pngLike(12 * 1024 * 1024) })
  await page.waitForSelector('[data-testid=notice]:has-text("panorama.png")')
  expect(await notice(page)).toBe('“panorama.png” was not added: it is 12 MB, and images can be at most 10 MB.')
  expect(uploads()).toBe(0)
  expect(await imageCount(page)).toBe(0)

  await page.setInputFiles('[data-testid=image-input]', { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a picture') })
  await page.waitForSelector('[data-testid=notice]:has-text("notes.txt")')
  expect(await notice(page)).toBe('“notes.txt” was not added: only PNG, JPEG, GIF and WebP images can be added.')
  expect(uploads()).toBe(0)

  // Bytes that are not what the type claims pass the page's check; the server's 415 gets the same notice.
  await page.setInputFiles('[data-testid=image-input]', { name: 'renamed.png', mimeType: 'image/png', buffer: Buffer.from('GIF89a not really a png') })
  await page.waitForSelector('[data-testid=notice]:has-text("renamed.png")')
  expect(await notice(page)).toBe('“renamed.png” was not added: only PNG, JPEG, GIF and WebP images can be added.')
  expect(uploads()).toBe(1)

  // A server whose limit is lower than the page knew (changed meanwhile) answers 413: said as such, not as a bare status.
  await page.route(`${url}/api/docs/${docId}/attachments`, route => route.fulfill({
    status: 413, contentType: 'application/problem+json', body: JSON.stringify({ type: 'too-large', title: 'attachments are limited to 1000 bytes' }),
  }))
  await page.setInputFiles('[data-testid=image-input]', { name: 'scan.png', mimeType: 'image/png', buffer: pngLike(3 * 1024) })
  await page.waitForSelector('[data-testid=notice]:has-text("scan.png")')
  expect(await notice(page)).toBe('“scan.png” was not added: at 3 KB it is larger than the server accepts.')
  await page.unroute(`${url}/api/docs/${docId}/attachments`)

  // A small one still goes in.
  await page.setInputFiles('[data-testid=image-input]', { name: 'small.png', mimeType: 'image/png', buffer: pngLike(2048) })
  await page.waitForFunction(() => document.querySelectorAll('.tiptap img').length === 1)
  expect(uploads()).toBe(3)
  await context.close()
}, 90_000)

it('an image from another site is not inserted from pasted HTML, with a notice, and never fetched', async () => {
  const ana = await createUser('ana')
  const docId = await ana.api.createDocument('Tracking pixels')
  expect((await ana.api.describeDocument(docId)).allowExternalImages).toBe(false)
  const context = await newContext(browser!)
  // The Content-Security-Policy is on: the hub still runs over a WebSocket (connect-src 'self') and nothing of the
  // app is refused by it.
  const sockets: string[] = []
  const violations: string[] = []
  context.on('page', opened => {
    opened.on('websocket', socket => sockets.push(socket.url()))
    opened.on('console', message => { if (/Content Security Policy/i.test(message.text())) violations.push(message.text()) })
  })
  const page = await openDocument(context, ana, docId)
  const external: string[] = []
  page.on('request', request => { if (new URL(request.url()).hostname === 'tracker.example') external.push(request.url()) })
  await page.click('.tiptap')
  await page.keyboard.type('Before ')

  await page.evaluate(() => {
    const data = new DataTransfer()
    data.setData('text/html', '<p>pasted <img src="https://tracker.example/pixel.gif?reader=ana"> words</p>')
    data.setData('text/plain', 'pasted words')
    document.querySelector('.tiptap')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  })
  await page.waitForSelector('[data-testid=notice]:has-text("other sites")')
  expect(await notice(page)).toBe('Images from other sites are not added: upload the image file instead.')
  expect(await page.textContent('.tiptap')).toContain('pasted')
  expect(await imageCount(page)).toBe(0)
  expect(external).toEqual([])
  expect(sockets.some(url => new URL(url).pathname === '/hubs/collab')).toBe(true)
  expect(violations).toEqual([])
  await context.close()
})

it('the refusal is in Chinese for a Chinese page', async () => {
  serverUrl()
  const li = await createUser('li')
  const docId = await li.api.createDocument('大图片')
  const context = await newContext(browser!, 'zh')
  const page = await openDocument(context, li, docId)
  const uploads = countUploads(page)
  await page.click('.tiptap')
  await page.setInputFiles('[data-testid=image-input]', { name: '全景.jpg', mimeType: 'image/jpeg', buffer: Buffer.alloc(11 * 1024 * 1024, 0xff) })
  await page.waitForSelector('[data-testid=notice]:has-text("全景.jpg")')
  expect(await notice(page)).toBe('未添加“全景.jpg”：文件大小为 11 MB，图片最大为 10 MB。')
  await page.setInputFiles('[data-testid=image-input]', { name: 'diagram.svg', mimeType: 'image/svg+xml', buffer: Buffer.from('<svg/>') })
  await page.waitForSelector('[data-testid=notice]:has-text("diagram.svg")')
  expect(await notice(page)).toBe('未添加“diagram.svg”：只能添加 PNG、JPEG、GIF 和 WebP 图片。')
  expect(uploads()).toBe(0)
  await context.close()
}, 90_000)
