// Mentions and the notification centre in Chromium: a mention typed in a page reaches the other user's inbox live,
// and mentioning someone who cannot read the page warns.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { type Browser, type BrowserContext, type Page } from 'playwright-core'
import { launchChromium } from './editorSupport'
import { createUser, serverUrl, type TestUser } from './harness'

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

async function signIn(user: TestUser, path = ''): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-US' })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${serverUrl()}/`)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')
  if (path) await page.goto(`${serverUrl()}/${path}`)
  return page
}

async function mention(page: Page, query: string, username: string): Promise<void> {
  await page.keyboard.type(' @')
  await page.waitForSelector('[data-testid=mention-picker]:not([hidden])')
  await page.fill('[data-testid=mention-search]', query)
  await page.click(`[data-testid=mention-results] button[data-username="${username}"]`)
}

it('a mention in a page reaches the other user\'s inbox live; mentioning someone without access warns', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Mention')
  const bo = await createUser('bo', `Bo Reader ${Date.now().toString(36)}`)
  const cy = await createUser('cy', `Cy Outsider ${Date.now().toString(36)}`)
  const spaceId = await ana.api.createSpace('Suppliers')
  const pageId = await ana.api.createPage(spaceId, 'Audit checklist')
  await ana.api.addGrant(pageId, `user:${bo.username}`, 'view')

  // Bo waits anywhere in the app: the bell counts the share so far.
  const boPage = await signIn(bo)
  await boPage.waitForSelector('[data-testid=notify-count]')
  await boPage.click('[data-testid=notify-bell]')
  await boPage.click('[data-testid=notify-read-all]')
  await boPage.waitForSelector('[data-testid=notify-count]', { state: 'detached' })
  await boPage.click('[data-testid=notify-bell]')

  const anaPage = await signIn(ana, `space/${spaceId}/page/${pageId}`)
  await anaPage.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Please check')
  await mention(anaPage, bo.displayName, bo.username)
  await anaPage.waitForSelector(`.tiptap span.mention[data-id="${bo.username}"]`)

  // Live: the count appears without a reload once the page is saved and indexed (a few seconds).
  await boPage.waitForFunction(() => document.querySelector('[data-testid=notify-count]')?.textContent === '1', undefined, { timeout: 20_000 })
  await boPage.click('[data-testid=notify-bell]')
  const item = boPage.locator('[data-testid=notify-item][data-kind=mention]')
  await item.waitFor()
  expect(await item.textContent()).toContain('Ana Mention mentioned you in Audit checklist')
  await item.locator('.notify-open').click()
  await boPage.waitForURL(new RegExp(`/space/${spaceId}/page/${pageId}$`))
  await boPage.waitForSelector('[data-testid=notify-count]', { state: 'detached' })

  // Cy may not read the page: the picker marks them, and choosing them warns instead of mentioning.
  await anaPage.click('.tiptap')
  await anaPage.keyboard.press('End')
  await anaPage.keyboard.type(' @')
  await anaPage.waitForSelector('[data-testid=mention-picker]:not([hidden])')
  await anaPage.fill('[data-testid=mention-search]', cy.displayName)
  const cyOption = anaPage.locator(`[data-testid=mention-results] button[data-username="${cy.username}"]`)
  await cyOption.waitFor()
  expect(await cyOption.getAttribute('data-can-read')).toBe('false')
  await cyOption.click()
  const warning = anaPage.locator('[data-testid=mention-warning]')
  await warning.waitFor()
  expect(await warning.textContent()).toContain(`${cy.displayName} cannot read this page and will not be notified.`)
  expect(await anaPage.locator(`.tiptap span.mention[data-id="${cy.username}"]`).count()).toBe(0)
  expect(await cy.api.call('get', '/api/notifications').then(inbox => inbox.items.length)).toBe(0)
})
