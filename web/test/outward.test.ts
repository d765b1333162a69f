// What must not leave the company without someone seeing it first, in Debian's Chromium against the real server:
// a move that would share a page with a partner asks for confirmation and names the partner; a no-copy page refuses
// copy, cut, drag-out and print to a viewer, who also sees no version history.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { admin, createUser, serverUrl, type TestUser } from './harness'
import { launchChromium } from './editorSupport'

let browser: Browser | null = null
const contexts: BrowserContext[] = []

beforeAll(async () => {
  if (inject('serverError')) return // each test reports it
  browser = await launchChromium()
})

afterAll(async () => {
  await Promise.all(contexts.map(c => c.close().catch(() => {})))
  await browser?.close()
})

async function signIn(user: { username: string; password: string }, hash: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-US' })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${serverUrl()}/`)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')
  await page.goto(`${serverUrl()}/${hash}`)
  return page
}

async function importMarkdown(user: TestUser, pageId: string, markdown: string): Promise<void> {
  const response = await fetch(`${serverUrl()}/api/docs/${pageId}/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}`, 'content-type': 'text/markdown' },
    body: markdown,
  })
  expect(response.status).toBe(204)
}

async function openMoveDialog(page: Page, title: string, parentLabel: string): Promise<void> {
  await page.hover(`.node-row:has-text("${title}")`)
  await page.click(`.node-row:has-text("${title}") details.menu summary`)
  await page.click(`.node-row:has-text("${title}") button:has-text("Move to…")`)
  const dialog = page.locator('[data-testid=move-dialog]')
  await dialog.locator('select[name=parent]').selectOption({ label: parentLabel })
  await dialog.locator('button[type=submit]').click()
}

it('moving a page under a section shared with a partner names the partner and moves only when confirmed', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const root = await admin()
  const orgName = `Northwind ${Date.now().toString(36)}`
  const org = await root.createPartner(orgName)
  const partner = { username: `nw${Date.now().toString(36)}`, password: 'partner-secret-1', displayName: 'Nia from Northwind' }
  await root.adminCreateUser({ ...partner, kind: 'partner', partnerOrgId: org.id })
  const spaceId = await ana.api.createSpace('Procurement')
  const sharedId = await ana.api.createPage(spaceId, 'Shared with suppliers')
  const internalId = await ana.api.createPage(spaceId, 'Internal costs')
  await ana.api.addGrant(sharedId, `partner:${org.id}`, 'view')

  const page = await signIn(ana, `#/space/${spaceId}`)
  await page.waitForSelector('[data-testid=tree-page]:has-text("Internal costs")')
  await openMoveDialog(page, 'Internal costs', '\u00a0\u00a0Shared with suppliers')
  const gains = page.locator('dialog[open] [data-testid=access-gains]')
  await gains.waitFor()
  expect(await gains.textContent()).toContain('Nia from Northwind')
  expect(await gains.textContent()).toContain(orgName)
  // Cancelled: nothing moved.
  await page.click('dialog[open] button.secondary')
  expect((await ana.api.spaceTree(spaceId)).pages.find(p => p.id === internalId)?.parentId).toBe(spaceId)

  await openMoveDialog(page, 'Internal costs', '\u00a0\u00a0Shared with suppliers')
  await page.locator('dialog[open] [data-testid=access-gains]').waitFor()
  await page.click('dialog[open] button.danger')
  await expect.poll(async () => (await ana.api.spaceTree(spaceId)).pages.find(p => p.id === internalId)?.parentId, { timeout: 10_000 }).toBe(sharedId)
})

it('a viewer of a no-copy page cannot copy, cut, drag out or print it, and sees no version history', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const vic = await createUser('vic', 'Vic Viewer')
  const spaceId = await ana.api.createSpace('Legal')
  const pageId = await ana.api.createPage(spaceId, 'Contract terms')
  await importMarkdown(ana, pageId, '# Terms\n\nconfidential payment terms\n')
  await ana.api.addGrant(pageId, `user:${vic.username}`, 'view')
  await ana.api.updateSettings(pageId, { noExport: true })

  const page = await signIn(vic, `#/space/${spaceId}/page/${pageId}`)
  await page.waitForSelector('.tiptap:has-text("confidential payment terms")', { timeout: 20_000 })
  await page.waitForSelector('[data-testid=editor-page].no-copy')
  expect(await page.locator('.tab[data-panel=history]').isVisible()).toBe(false)

  // Copy, cut and drag start are cancelled inside the editor.
  const refused = await page.evaluate(() => {
    const target = document.querySelector('.tiptap p:last-child')!
    return ['copy', 'cut', 'dragstart'].map(type => {
      const event = type === 'dragstart' ? new DragEvent(type, { bubbles: true, cancelable: true }) : new ClipboardEvent(type, { bubbles: true, cancelable: true })
      target.dispatchEvent(event)
      return event.defaultPrevented
    })
  })
  expect(refused).toEqual([true, true, true])
  expect(await page.textContent('[data-testid=notice]')).toContain('turned off')
  // A printout holds the notice, not the page.
  await page.emulateMedia({ media: 'print' })
  expect(await page.locator('.tiptap').isVisible()).toBe(false)
  expect(await page.locator('[data-testid=print-notice]').isVisible()).toBe(true)
  await page.emulateMedia({ media: 'screen' })

  // The owner (an editor) keeps everything.
  const owner = await signIn(ana, `#/space/${spaceId}/page/${pageId}`)
  await owner.waitForSelector('.tiptap:has-text("confidential payment terms")', { timeout: 20_000 })
  await owner.waitForSelector('.tab[data-panel=history]:visible')
  expect(await owner.locator('[data-testid=editor-page].no-copy').count()).toBe(0)
})

it('a space manager opens version history to viewers and, separately, to partners and share links', { timeout: 60_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const spaceId = await ana.api.createSpace('Wiki')
  const page = await signIn(ana, `#/space/${spaceId}`)
  await page.click('.space-actions button:has-text("Share")')
  const settings = page.locator('[data-testid=history-settings]')
  await settings.waitFor()
  await settings.locator('select[name=history]').selectOption('viewers')
  await expect.poll(async () => (await ana.api.request<{ history?: string }>('GET', `/api/resources/${spaceId}/settings`)).history, { timeout: 10_000 }).toBe('viewers')
  await settings.locator('input[name=guestHistory]').check()
  await expect.poll(async () => (await ana.api.request<{ guestHistory?: boolean }>('GET', `/api/resources/${spaceId}/settings`)).guestHistory, { timeout: 10_000 }).toBe(true)
})
