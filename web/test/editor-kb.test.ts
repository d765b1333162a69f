// The editor's knowledge-base features in Chromium against the real server: comment threads anchored to text that
// survive concurrent edits, image attachments that reach the other editors, and restoring a version for everyone.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { deflateSync } from 'node:zlib'
import type { Browser, Page } from 'playwright-core'
import { createUser, serverUrl } from './harness'
import { blocks, caretAtEndOf, launchChromium, newContext, openDocument, screenshot, selectText, waitForText } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return // each test reports it through serverUrl()
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

/** The highlighted text of each comment anchor, by thread id. */
const anchors = (page: Page) => page.evaluate(() => {
  const texts: Record<string, string> = {}
  for (const span of document.querySelectorAll<HTMLElement>('.tiptap .comment-anchor')) {
    const id = span.dataset.thread ?? ''
    const copy = span.cloneNode(true) as HTMLElement
    copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
    texts[id] = (texts[id] ?? '') + (copy.textContent ?? '')
  }
  return texts
})

async function waitForAnchor(page: Page, text: string): Promise<void> {
  await page.waitForFunction(expected => {
    const spans = [...document.querySelectorAll<HTMLElement>('.tiptap .comment-anchor')]
    return spans.map(s => s.textContent).join('') === expected
  }, text, { timeout: 10_000 })
}

it('a commenter anchors a thread on text; it survives a concurrent insert before it, gets a reply and is resolved', async () => {
  serverUrl()
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const cora = await createUser('cora', 'Cora Chen')
  const docId = await ana.api.createDocument('Comments')
  await ana.api.setMember(docId, ben.username, 'editor')
  await ana.api.setMember(docId, cora.username, 'commenter')
  const contexts = await Promise.all([newContext(browser!), newContext(browser!), newContext(browser!)])
  const anaPage = await openDocument(contexts[0], ana, docId)
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('The release ships on Friday after the review.')
  await anaPage.waitForSelector('[data-testid=state][data-kind=good]')
  const benPage = await openDocument(contexts[1], ben, docId)
  const coraPage = await openDocument(contexts[2], cora, docId)
  await waitForText(coraPage, 'after the review.')

  // Cora (read-only, may comment) selects "on Friday" and opens a thread while Ben types at the start of the line.
  await selectText(coraPage, 'on Friday')
  await coraPage.click('[data-tool=comment]')
  await coraPage.waitForSelector('[data-testid=comment-form]')
  expect(await coraPage.textContent('[data-testid=comment-form] blockquote')).toBe('on Friday')
  await coraPage.fill('[data-testid=comment-form] textarea', 'Friday is a holiday, can we say Thursday?')
  await benPage.click('.tiptap')
  await benPage.keyboard.press('Control+Home')
  await Promise.all([
    coraPage.click('[data-testid=comment-form] button[type=submit]'),
    benPage.keyboard.type('Update: ', { delay: 20 }),
  ])
  await waitForText(anaPage, 'Update: The release ships')

  // Every editor highlights exactly the commented words, wherever the insert put them.
  for (const page of [anaPage, benPage, coraPage]) {
    await waitForAnchor(page, 'on Friday')
    expect(await blocks(page)).toEqual(['Update: The release ships on Friday after the review.'])
  }
  // More text before and inside the line later still leaves the anchor on the same words.
  await caretAtEndOf(anaPage, 'Update:')
  await anaPage.keyboard.press('Home')
  await anaPage.keyboard.type('Team ')
  for (const page of [anaPage, benPage, coraPage]) await waitForAnchor(page, 'on Friday')

  // Ana sees the thread in the panel (a comments notice) and replies.
  await anaPage.click('[data-panel=comments]')
  await anaPage.waitForSelector('[data-testid=comment-thread]:has-text("Friday is a holiday")')
  expect(await anaPage.textContent('[data-testid=comment-thread] .quote')).toBe('on Friday')
  expect(await anaPage.textContent('[data-testid=comment-thread] .comment strong')).toContain(cora.displayName)
  await anaPage.fill('[data-testid=comment-thread] textarea[name=reply]', 'Good catch, changing it.')
  await anaPage.click('[data-testid=comment-thread] .reply-form button[type=submit]')
  // Cora's panel opened when she started her comment; the reply shows up in it live.
  expect(await coraPage.isVisible('[data-testid=side-panel]')).toBe(true)
  await coraPage.waitForSelector('[data-testid=comment-thread] .reply:has-text("Good catch, changing it.")')
  // Clicking the highlighted text in the editor marks its thread in the panel.
  await anaPage.click('.tiptap .comment-anchor')
  await anaPage.waitForSelector('[data-testid=comment-thread].active')
  await screenshot(anaPage, 'editor-comments.png')

  // Cora resolves it: the highlight goes away for everyone, the thread moves under "resolved".
  await coraPage.click('[data-testid=comment-thread] [data-testid=resolve]')
  for (const page of [anaPage, benPage, coraPage]) {
    await page.waitForFunction(() => document.querySelectorAll('.tiptap .comment-anchor').length === 0, undefined, { timeout: 10_000 })
  }
  expect(await anchors(anaPage)).toEqual({})
  for (const context of contexts) await context.close()
}, 90_000)

it('a thread follows an edit inside its text, and says so when its text is deleted', async () => {
  serverUrl()
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const docId = await ana.api.createDocument('Anchors')
  await ana.api.setMember(docId, ben.username, 'editor')
  const contexts = await Promise.all([newContext(browser!), newContext(browser!)])
  const anaPage = await openDocument(contexts[0], ana, docId)
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Pay the supplier invoice by March.')
  const benPage = await openDocument(contexts[1], ben, docId)
  await waitForText(benPage, 'by March.')

  await selectText(anaPage, 'supplier invoice')
  await anaPage.click('[data-tool=comment]')
  await anaPage.fill('[data-testid=comment-form] textarea', 'Which supplier?')
  await anaPage.click('[data-testid=comment-form] button[type=submit]')
  for (const page of [anaPage, benPage]) await waitForAnchor(page, 'supplier invoice')

  // Ben types inside the commented words: the highlight grows with them on both screens.
  await selectText(benPage, 'supplier')
  await benPage.keyboard.press('ArrowRight')
  await benPage.keyboard.type(' freight')
  for (const page of [anaPage, benPage]) await waitForAnchor(page, 'supplier freight invoice')

  // Ben deletes the commented words: the highlight disappears and Ana's thread says its text is gone. (The pause
  // makes the deletion an undo step of its own: the undo manager groups changes less than 500 ms apart.)
  await benPage.waitForTimeout(600)
  await selectText(benPage, 'supplier freight invoice')
  await benPage.keyboard.press('Backspace')
  await waitForText(anaPage, 'Pay the  by March.')
  for (const page of [anaPage, benPage]) {
    await page.waitForFunction(() => document.querySelectorAll('.tiptap .comment-anchor').length === 0, undefined, { timeout: 10_000 })
  }
  await anaPage.waitForSelector('[data-testid=comment-thread]:has-text("The commented text was deleted.")')
  expect(await anaPage.textContent('[data-testid=comment-thread] .quote')).toBe('supplier invoice')

  // Ben undoes the deletion: the anchor finds the text again (yjs follows the redone items) and the note goes.
  await benPage.keyboard.press('Control+z')
  for (const page of [anaPage, benPage]) await waitForAnchor(page, 'supplier freight invoice')
  await anaPage.waitForSelector('[data-testid=comment-thread] .detached', { state: 'detached' })
  for (const context of contexts) await context.close()
}, 90_000)

it('a viewer cannot open a comment thread', async () => {
  serverUrl()
  const owner = await createUser('owner')
  const viewer = await createUser('viewer')
  const docId = await owner.api.createDocument('No comments')
  await owner.api.setMember(docId, viewer.username, 'viewer')
  const context = await newContext(browser!)
  const page = await openDocument(context, viewer, docId)
  expect(await page.isVisible('[data-tool=comment]')).toBe(false)
  // The server refuses it too (the button is only a convenience).
  await expect(viewer.api.request('POST', `/api/docs/${docId}/comments`, { anchor: { start: 'AA==', end: 'AA==' }, quote: 'x', text: 'y' }))
    .rejects.toThrow(/40[34]/)
  await context.close()
}, 90_000)

/** A small solid-colour PNG made here, so the test needs no fixture file. */
function png(width: number, height: number, rgb: [number, number, number]): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    return c >>> 0
  })
  const crc = (bytes: Buffer) => {
    let c = 0xffffffff
    for (const b of bytes) c = crcTable[(c ^ b) & 0xff] ^ (c >>> 8)
    return (c ^ 0xffffffff) >>> 0
  }
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4); length.writeUInt32BE(data.length)
    const body = Buffer.concat([Buffer.from(type, 'ascii'), data])
    const sum = Buffer.alloc(4); sum.writeUInt32BE(crc(body))
    return Buffer.concat([length, body, sum])
  }
  const header = Buffer.alloc(13)
  header.writeUInt32BE(width, 0); header.writeUInt32BE(height, 4)
  header[8] = 8; header[9] = 2 // 8-bit RGB
  const row = Buffer.concat([Buffer.from([0]), Buffer.concat(Array.from({ length: width }, () => Buffer.from(rgb)))])
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)))
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', pixels), chunk('IEND', Buffer.alloc(0))])
}

const loadedImages = (page: Page) => page.evaluate(() =>
  [...document.querySelectorAll<HTMLImageElement>('.tiptap img')].map(img => ({ state: img.dataset.state, width: img.naturalWidth, src: img.dataset.src })))

it('an uploaded image (toolbar, paste and drop) is stored as an attachment and appears for the other user and a viewer', async () => {
  serverUrl()
  const ana = await createUser('ana')
  const ben = await createUser('ben')
  const vic = await createUser('vic')
  const docId = await ana.api.createDocument('Images')
  await ana.api.setMember(docId, ben.username, 'editor')
  await ana.api.setMember(docId, vic.username, 'viewer')
  const contexts = await Promise.all([newContext(browser!), newContext(browser!), newContext(browser!)])
  const anaPage = await openDocument(contexts[0], ana, docId)
  const benPage = await openDocument(contexts[1], ben, docId)
  const vicPage = await openDocument(contexts[2], vic, docId)

  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Our office:')
  await anaPage.setInputFiles('[data-testid=image-input]', { name: 'office.png', mimeType: 'image/png', buffer: png(48, 32, [31, 111, 235]) })
  // Pasting a file uploads it too.
  const pasted = png(20, 20, [207, 34, 46]).toString('base64')
  await anaPage.evaluate(base64 => {
    const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], 'pasted.png', { type: 'image/png' }))
    document.querySelector('.tiptap')!.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
  }, pasted)
  // And so does dropping one onto the text.
  const dropped = png(12, 12, [26, 127, 55]).toString('base64')
  await anaPage.evaluate(base64 => {
    const bytes = Uint8Array.from(atob(base64), c => c.charCodeAt(0))
    const data = new DataTransfer()
    data.items.add(new File([bytes], 'dropped.png', { type: 'image/png' }))
    const target = document.querySelector('.tiptap p')!.getBoundingClientRect()
    document.querySelector('.tiptap p')!.dispatchEvent(new DragEvent('drop', {
      dataTransfer: data, clientX: target.left + 5, clientY: target.top + 5, bubbles: true, cancelable: true,
    }))
  }, dropped)

  for (const page of [anaPage, benPage, vicPage]) {
    await page.waitForFunction(() => {
      const images = [...document.querySelectorAll<HTMLImageElement>('.tiptap img')]
      return images.length === 3 && images.every(img => img.dataset.state === 'loaded' && img.naturalWidth > 0)
    }, undefined, { timeout: 15_000 })
  }
  const seen = await loadedImages(benPage)
  expect(seen.map(image => image.width).sort((a, b) => a - b)).toEqual([12, 20, 48])
  expect(seen.every(image => /\/api\/attachments\//.test(image.src ?? ''))).toBe(true)
  expect(await loadedImages(vicPage)).toEqual(seen)

  // The attachment is protected like its page: someone without access gets 404.
  const stranger = await createUser('stranger')
  await expect(stranger.api.download(seen[0].src!)).rejects.toThrow(/404/)
  for (const context of contexts) await context.close()
}, 90_000)

it('the history panel lists, shows and compares versions, and a restored version comes back for everyone', async () => {
  serverUrl()
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const docId = await ana.api.createDocument('History')
  await ana.api.setMember(docId, ben.username, 'editor')

  // Ana writes a first draft and leaves: the last editor leaving saves a version.
  const firstContext = await newContext(browser!)
  const firstPage = await openDocument(firstContext, ana, docId)
  await firstPage.click('.tiptap')
  await firstPage.keyboard.type('First draft: keep the old plan.')
  await firstPage.waitForSelector('[data-testid=state][data-kind=good]')
  await firstContext.close()
  const deadline = Date.now() + 15_000
  while ((await ana.api.request<unknown[]>('GET', `/api/docs/${docId}/versions`)).length === 0) {
    if (Date.now() > deadline) throw new Error('no version was saved after the last editor left')
    await new Promise(r => setTimeout(r, 200))
  }

  const contexts = await Promise.all([newContext(browser!), newContext(browser!)])
  const anaPage = await openDocument(contexts[0], ana, docId)
  const benPage = await openDocument(contexts[1], ben, docId)
  await waitForText(benPage, 'First draft')
  await anaPage.click('.tiptap')
  await anaPage.keyboard.press('Control+A')
  await anaPage.keyboard.type('Second draft replaces everything.')
  await waitForText(benPage, 'Second draft replaces everything.')
  expect(await blocks(benPage)).toEqual(['Second draft replaces everything.'])

  await anaPage.click('[data-panel=history]')
  await anaPage.waitForSelector('[data-testid=versions] li[data-version]')
  await anaPage.click('[data-testid=versions] li[data-version] [data-testid=view-version]')
  await anaPage.waitForSelector('[data-testid=version-preview] .version-content:has-text("First draft: keep the old plan.")')
  // Compare that version with the current text: the old paragraph removed, the new one added.
  const versionId = await anaPage.getAttribute('[data-testid=versions] li[data-version]', 'data-version')
  await anaPage.selectOption('.compare select[name=from]', versionId!)
  await anaPage.selectOption('.compare select[name=to]', 'current')
  await anaPage.click('.compare button[type=submit]')
  await anaPage.waitForSelector('[data-testid=version-preview] .diff-block[data-op=removed]:has-text("First draft")')
  await anaPage.waitForSelector('[data-testid=version-preview] .diff-block[data-op=added]:has-text("Second draft")')
  await screenshot(anaPage, 'editor-history.png')

  // Restore asks first, then the old text comes back as a new change, for Ben too.
  anaPage.once('dialog', dialog => void dialog.accept())
  await anaPage.click(`[data-testid=versions] li[data-version="${versionId}"] [data-testid=restore-version]`)
  for (const page of [anaPage, benPage]) {
    await waitForText(page, 'First draft: keep the old plan.')
    await page.waitForFunction(() => !document.querySelector('.tiptap')?.textContent?.includes('Second draft'))
  }
  expect(await blocks(benPage)).toEqual(['First draft: keep the old plan.'])
  // Nothing was lost: the replaced text is itself a version now.
  const versions = await ana.api.request<unknown[]>('GET', `/api/docs/${docId}/versions`)
  expect(versions.length).toBeGreaterThanOrEqual(2)
  for (const context of contexts) await context.close()
}, 90_000)
