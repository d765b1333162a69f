// The connection pill follows the network: offline edits show as unsaved at once, then saved after reconnecting.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { serverUrl } from './harness'
import { coEditors, launchChromium, waitForText } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

it('losing the network shows offline with unsaved changes at once; coming back saves them and they reach the other user', async () => {
  serverUrl()
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, 'Offline')
  await anaContext.setOffline(true)
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Written on the train.')
  // The pill says so at once, without waiting for the hub connection to time out.
  await anaPage.waitForSelector('[data-testid=state][data-state=offlineUnsaved]', { timeout: 3_000 })
  expect(await anaPage.getAttribute('[data-testid=state]', 'data-kind')).toBe('bad')
  expect(await anaPage.textContent('[data-testid=state]')).toBe('Offline · unsaved changes')
  await anaContext.setOffline(false)
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]', { timeout: 30_000 })
  await waitForText(benPage, 'Written on the train.')
  expect(await anaPage.getAttribute('[data-testid=state]', 'data-kind')).toBe('good')
  await anaContext.close()
  await benContext.close()
}, 90_000)
