// The React shell in Chromium against the real server: real URLs that survive a reload, old #/ URLs opening their
// path, in-app links moving without a page load, the area chunks loaded only when opened, and the theme switch.
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

async function signIn(user: { username: string; password: string }, options: { colorScheme?: 'light' | 'dark' } = {}): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-US', colorScheme: options.colorScheme ?? 'light' })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${serverUrl()}/`)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')
  return page
}

const scriptsLoaded = (page: Page) => page.evaluate(() =>
  performance.getEntriesByType('resource').map(entry => new URL(entry.name).pathname).filter(path => path.endsWith('.js')))

it('pages have real URLs: links move without a reload, a reload opens the same page, and old #/ URLs still work', { timeout: 60_000 }, async () => {
  serverUrl()
  const ana: TestUser = await createUser('ana', 'Ana Route')
  const spaceId = await ana.api.createSpace('Routing space')
  const pageId = await ana.api.createPage(spaceId, 'Routed page')
  const page = await signIn(ana)
  // Nothing of the editor or the admin page is loaded for the home page.
  expect((await scriptsLoaded(page)).filter(path => /PageRoute|AdminRoute|editor/.test(path))).toEqual([])

  await page.evaluate(() => { (window as unknown as { marker: string }).marker = 'same document' })
  await page.click(`.sidebar a[href="/space/${spaceId}"]`)
  await page.click(`[data-testid=tree] a[href="/space/${spaceId}/page/${pageId}"]`)
  await page.waitForSelector('.tiptap')
  expect(new URL(page.url()).pathname).toBe(`/space/${spaceId}/page/${pageId}`)
  expect(await page.textContent('[data-testid=page-title]')).toBe('Routed page')
  // The clicks moved through the router: the same document, and the page's chunk came when it was opened.
  expect(await page.evaluate(() => (window as unknown as { marker?: string }).marker)).toBe('same document')
  expect((await scriptsLoaded(page)).some(path => /\/assets\/PageRoute-/.test(path))).toBe(true)

  await page.reload()
  await page.waitForSelector('.tiptap')
  expect(await page.textContent('[data-testid=page-title]')).toBe('Routed page')

  await page.goBack()
  await page.waitForURL(new RegExp(`/space/${spaceId}$`))
  await page.waitForSelector(`.page-list a:has-text("Routed page")`)

  // A bookmark from before the router: #/ URLs open their path.
  await page.goto(`${serverUrl()}/#/space/${encodeURIComponent(spaceId)}/page/${encodeURIComponent(pageId)}`)
  await page.waitForURL(new RegExp(`^${serverUrl()}/space/${spaceId}/page/${pageId}$`))
  await page.waitForSelector('[data-testid=page-title]:has-text("Routed page")')
})

it('the theme switch turns the design system dark and is remembered; without a choice the system decides', { timeout: 60_000 }, async () => {
  serverUrl()
  const ben = await createUser('ben', 'Ben Theme')
  const page = await signIn(ben)
  const background = () => page.evaluate(() => getComputedStyle(document.querySelector('.topbar')!).backgroundColor)
  const light = await background()
  expect(light).toBe('rgb(255, 255, 255)')

  await page.selectOption('[data-testid=theme]', 'dark')
  expect(await page.getAttribute('html', 'data-theme')).toBe('dark')
  const dark = await background()
  expect(dark).not.toBe(light)
  await page.reload()
  await page.waitForSelector('[data-testid=me]')
  expect(await background()).toBe(dark)
  expect(await page.inputValue('[data-testid=theme]')).toBe('dark')

  // A browser that prefers dark gets it without choosing.
  const other = await signIn(await createUser('cyd', 'Cyd Theme'), { colorScheme: 'dark' })
  expect(await other.getAttribute('html', 'data-theme')).toBeNull()
  expect(await other.evaluate(() => getComputedStyle(document.querySelector('.topbar')!).backgroundColor)).toBe(dark)
})
