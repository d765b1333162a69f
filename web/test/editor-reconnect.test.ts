// The connection pill follows the hub connection: when the WebSocket drops while the browser stays online, the
// real SignalR client reconnects, the pill says so, and an edit typed meanwhile reaches the other user afterwards.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser, WebSocketRoute } from 'playwright-core'
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

it('a dropped hub connection shows reconnecting; an edit typed meanwhile is saved after it and reaches the other user', async () => {
  serverUrl()
  // Ana's hub WebSocket goes through a route the test can cut: while cut, the open socket is
  // closed from the page's end and every new socket is refused, as when a proxy or the server drops connections. The browser
  // stays online, so this is the hub client's own reconnect, not the offline path of editor-offline.test.ts.
  let cut = false
  let hubSockets = 0
  const open: WebSocketRoute[] = []
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, 'Reconnect', {
    beforeOpen: context => context.routeWebSocket(/\/hubs\/collab/, ws => {
      hubSockets++
      if (cut) {
        void ws.close({ code: 1011, reason: 'test: link cut' })
        return
      }
      ws.connectToServer()
      open.push(ws)
    }),
  })
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Before the drop.')
  await waitForText(benPage, 'Before the drop.')
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]')
  expect(hubSockets).toBe(1)

  cut = true
  for (const socket of open.splice(0)) await socket.close({ code: 1011, reason: 'test: link cut' })
  await anaPage.waitForSelector('[data-testid=state][data-state=reconnecting]', { timeout: 5_000 })
  expect(await anaPage.textContent('[data-testid=state]')).toBe('Reconnecting…')
  expect(await anaPage.getAttribute('[data-testid=state]', 'data-kind')).toBe('warn')
  expect(await anaPage.evaluate(() => navigator.onLine)).toBe(true)

  // The editor stays editable; what is typed now is shown as not saved yet.
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.type('Typed while reconnecting.')
  await anaPage.waitForSelector('[data-testid=state][data-state=reconnectingUnsaved]', { timeout: 3_000 })
  expect(await anaPage.textContent('[data-testid=state]')).toBe('Reconnecting… · unsaved changes')
  // Retries keep failing while the link is cut, and the pill keeps saying so.
  await anaPage.waitForTimeout(1_500)
  expect(hubSockets).toBeGreaterThan(1)
  expect(await anaPage.getAttribute('[data-testid=state]', 'data-state')).toBe('reconnectingUnsaved')
  expect(await benPage.textContent('.tiptap')).not.toContain('Typed while reconnecting.')

  cut = false
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]', { timeout: 30_000 })
  await waitForText(benPage, 'Typed while reconnecting.')
  expect(await anaPage.getAttribute('[data-testid=state]', 'data-kind')).toBe('good')
  await anaContext.close()
  await benContext.close()
}, 90_000)

it('a hub link that goes silent without closing is noticed within 15 s and the client reconnects', async () => {
  serverUrl()
  // Ana's first hub socket forwards both ways until the test silences it: from then on nothing passes in either
  // direction and nothing closes, as with a sleeping laptop or a proxy that dropped the connection quietly. Later
  // sockets (her reconnection) pass untouched.
  let silent = false
  let hubSockets = 0
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, 'Silent link', {
    beforeOpen: context => context.routeWebSocket(/\/hubs\/collab/, ws => {
      hubSockets++
      if (hubSockets > 1) {
        ws.connectToServer()
        return
      }
      const server = ws.connectToServer()
      ws.onMessage(message => { if (!silent) server.send(message) })
      server.onMessage(message => { if (!silent) ws.send(message) })
    }),
  })
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Before the silence.')
  await waitForText(benPage, 'Before the silence.')
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]')

  silent = true
  const start = Date.now()
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.type('Typed into the silence.')
  // The server pings every 5 s; three missed pings and the client gives up on the socket and reconnects.
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]', { state: 'detached', timeout: 5_000 })
  await waitForText(benPage, 'Typed into the silence.', 25_000)
  const noticed = Date.now() - start
  expect(hubSockets).toBeGreaterThan(1)
  expect(noticed).toBeLessThan(20_000)
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]', { timeout: 10_000 })
  console.log(`silent link: the edit typed into it reached the other user ${noticed} ms later, over a new socket`)
  await anaContext.close()
  await benContext.close()
}, 90_000)
