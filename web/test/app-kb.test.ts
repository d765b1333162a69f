// The knowledge-base parts of the shell in Chromium: Markdown import and export from the page header, search.
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

async function signIn(user: TestUser, hash: string): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-US', acceptDownloads: true })
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

async function newSpaceWithPages(owner: TestUser, name: string, titles: string[]): Promise<{ spaceId: string; pageIds: string[] }> {
  const spaceId = await owner.api.createSpace(name)
  const pageIds: string[] = []
  for (const title of titles) pageIds.push(await owner.api.createPage(spaceId, title))
  return { spaceId, pageIds }
}

it('Markdown import and export through the page header, and search with highlighted snippets', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  // Letters only: the analyzer splits letters from digits, and the whole word should be one highlighted term.
  const word = `zebrafish${Date.now().toString(36).replace(/\d/g, d => 'abcdefghij'[Number(d)])}`
  const { spaceId, pageIds: [pageId] } = await newSpaceWithPages(ana, 'Research', ['Lab notes'])
  const page = await signIn(ana, `#/space/${spaceId}/page/${pageId}`)
  await page.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })

  await page.setInputFiles('[data-testid=import-file]', {
    name: 'notes.md', mimeType: 'text/markdown',
    buffer: Buffer.from(`# Findings\n\nThe ${word} colony grew **twice** as fast.\n\n- tank A\n- tank B\n`),
  })
  await page.click('[data-testid=import-mode] button[data-mode=replace]')
  await page.waitForFunction(w => document.querySelector('.tiptap')?.textContent?.includes(`The ${w} colony`), word, { timeout: 10_000 })
  expect(await page.textContent('.tiptap h1')).toBe('Findings')

  await page.click('[data-testid=export] summary')
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid=export] button:has-text("Markdown")')])
  expect(download.suggestedFilename()).toBe('Lab notes.md')
  const exported = await new Promise<string>((resolveText, reject) => {
    download.createReadStream().then(stream => {
      const chunks: Buffer[] = []
      stream.on('data', chunk => chunks.push(Buffer.from(chunk)))
      stream.on('end', () => resolveText(Buffer.concat(chunks).toString('utf8')))
      stream.on('error', reject)
    }, reject)
  })
  expect(exported).toContain(`The ${word} colony grew **twice** as fast.`)
  expect(exported).toContain('- tank A')

  // The index catches up within seconds; the search box then finds the page with the word highlighted.
  const deadline = Date.now() + 10_000
  while ((await ana.api.search(word)).length === 0 && Date.now() < deadline) await new Promise(r => setTimeout(r, 250))
  await page.fill('input[name=q]', word)
  await page.press('input[name=q]', 'Enter')
  await page.waitForSelector('[data-testid=search-results] li a:has-text("Lab notes")')
  expect(await page.textContent('[data-testid=search-results] mark')).toBe(word)
  await page.click('[data-testid=search-results] li a:has-text("Lab notes")')
  await page.waitForURL(new RegExp(`/space/${spaceId}/page/${pageId}$`))
})
