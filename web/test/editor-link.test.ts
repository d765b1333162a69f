// The toolbar's link editor in Debian's Chromium against the real server: an inline popover (no browser prompt)
// that adds, edits and removes a link on the selection, closes on Esc keeping the editor's selection, and speaks
// Chinese in the Chinese UI.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { createUser, serverUrl } from './harness'
import { caretAtEndOf, launchChromium, newContext, openDocument, screenshot, selectText, waitForText } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return // each test reports it through serverUrl()
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

const links = (page: Page) => page.$$eval('.tiptap a', anchors => anchors.map(a => [a.textContent, a.getAttribute('href')]))
const popover = '[data-testid=link-popover]'

it('adds, edits and removes a link through the inline popover; Esc closes it and leaves the link alone', async () => {
  serverUrl()
  const ana = await createUser('ana', 'Ana Lima')
  const docId = await ana.api.createDocument('Links')
  const context = await newContext(browser!)
  const page = await openDocument(context, ana, docId)
  page.on('dialog', dialog => { throw new Error(`unexpected browser dialog: ${dialog.message()}`) })

  await page.click('.tiptap')
  await page.keyboard.type('Read the handbook before Monday')
  await waitForText(page, 'Read the handbook before Monday')

  // A selection without a link: empty field, no "Remove link".
  await selectText(page, 'handbook')
  await page.click('[data-tool=link]')
  await page.waitForSelector(`${popover}:not([hidden])`)
  expect(await page.evaluate(() => document.activeElement?.getAttribute('name'))).toBe('href')
  expect(await page.inputValue(`${popover} input[name=href]`)).toBe('')
  expect(await page.isVisible(`${popover} [data-action=remove]`)).toBe(false)
  expect(await page.textContent(`${popover} label`)).toBe('Link address')
  await page.keyboard.type('https://example.com/handbook')
  await page.keyboard.press('Enter')
  await page.waitForSelector(popover, { state: 'hidden' })
  await page.waitForSelector('.tiptap a[href="https://example.com/handbook"]')
  expect(await links(page)).toEqual([['handbook', 'https://example.com/handbook']])
  expect(await page.getAttribute('[data-tool=link]', 'aria-pressed')).toBe('true')

  // With the caret inside the link: the field shows its address; Esc closes without changing anything and gives
  // the focus back to the editor.
  await caretAtEndOf(page, 'Read')
  await selectText(page, 'andbo')
  await page.click('[data-tool=link]')
  await page.waitForSelector(`${popover}:not([hidden])`)
  expect(await page.inputValue(`${popover} input[name=href]`)).toBe('https://example.com/handbook')
  expect(await page.isVisible(`${popover} [data-action=remove]`)).toBe(true)
  await screenshot(page, 'editor-link-popover.png')
  await page.keyboard.type('-changed')
  await page.keyboard.press('Escape')
  await page.waitForSelector(popover, { state: 'hidden' })
  expect(await page.evaluate(() => document.activeElement?.closest('.tiptap') !== null)).toBe(true)
  expect(await links(page)).toEqual([['handbook', 'https://example.com/handbook']])

  // Editing from a caret inside part of the link changes the whole link's address (Apply button this time).
  await selectText(page, 'ndb')
  await page.click('[data-tool=link]')
  await page.fill(`${popover} input[name=href]`, 'https://example.com/handbook-2026')
  await page.click(`${popover} [data-action=apply]`)
  await page.waitForSelector('.tiptap a[href="https://example.com/handbook-2026"]')
  expect(await links(page)).toEqual([['handbook', 'https://example.com/handbook-2026']])

  // A click elsewhere closes it too.
  await selectText(page, 'hand')
  await page.click('[data-tool=link]')
  await page.waitForSelector(`${popover}:not([hidden])`)
  await page.click('.tiptap')
  await page.waitForSelector(popover, { state: 'hidden' })

  // Remove link drops the whole link; the text stays.
  await selectText(page, 'book')
  await page.click('[data-tool=link]')
  await page.click(`${popover} [data-action=remove]`)
  await page.waitForFunction(() => document.querySelectorAll('.tiptap a').length === 0)
  await waitForText(page, 'Read the handbook before Monday')

  // The change reached the server: a fresh page has the same text and no link.
  const again = await context.newPage()
  await again.goto(page.url())
  await again.waitForSelector('[data-testid=editor] .tiptap')
  await waitForText(again, 'Read the handbook before Monday')
  expect(await links(again)).toEqual([])
  await context.close()

  // The Chinese UI labels the popover in Chinese.
  const zh = await newContext(browser!, 'zh')
  const zhPage = await openDocument(zh, ana, docId)
  await selectText(zhPage, 'Monday')
  await zhPage.click('[data-tool=link]')
  await zhPage.waitForSelector(`${popover}:not([hidden])`)
  expect(await zhPage.textContent(`${popover} label`)).toBe('链接地址')
  expect(await zhPage.textContent(`${popover} [data-action=apply]`)).toBe('应用')
  await zhPage.keyboard.press('Escape')
  await zh.close()
}, 90_000)
