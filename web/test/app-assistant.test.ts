// The assistant's chat panel in Chromium: ask from the top bar, get the answer with its cited section, rate it, and
// see "source changed since" after the page is edited.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { type Browser, type BrowserContext } from 'playwright-core'
import { launchChromium } from './editorSupport'
import { createUser, serverUrl } from './harness'

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

it('asks in the panel, shows the cited section, takes feedback and marks a changed source', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  // Letters only: the analyzer splits letters from digits.
  const word = `kiwi${Date.now().toString(36).replace(/\d/g, d => 'abcdefghij'[Number(d)])}`
  const spaceId = await ana.api.createSpace('Kitchen')
  const pageId = await ana.api.createPage(spaceId, 'Coffee machine')
  await ana.api.importMarkdown(pageId, `# Descaling ${word}\n\nThe coffee machine is descaled every Monday.\n`)
  const deadline = Date.now() + 15_000
  while ((await ana.api.search(word)).length === 0) {
    if (Date.now() > deadline) throw new Error('the page was not indexed')
    await new Promise(resolve => setTimeout(resolve, 200))
  }

  const context = await browser!.newContext({ viewport: { width: 1400, height: 800 }, locale: 'en-US' })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${serverUrl()}/`)
  await page.fill('input[name=username]', ana.username)
  await page.fill('input[name=password]', ana.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')

  await page.click('[data-testid=assistant-button]')
  await page.fill('[data-testid=assistant-question]', `When is the coffee machine descaled ${word}?`)
  await page.click('.assistant-ask button[type=submit]')
  await page.waitForSelector('[data-testid=assistant-answer]')
  expect(await page.textContent('[data-testid=assistant-answer]')).toContain('every Monday')
  const citation = page.locator('.assistant-citations a').first()
  expect(await citation.textContent()).toBe(`Coffee machine › Descaling ${word}`)
  expect(await citation.getAttribute('href')).toBe(`/space/${spaceId}/page/${pageId}`)

  await page.click('.assistant-feedback button:text-is("Helpful")')
  await page.waitForSelector('.assistant-feedback button[aria-pressed=true]')

  await ana.api.importMarkdown(pageId, `# Descaling ${word}\n\nThe coffee machine is descaled every Friday.\n`)
  await page.click('.assistant-panel header button:has-text("Check sources")')
  await page.waitForSelector('[data-testid=assistant-source-changed]')
  expect(await page.textContent('[data-testid=assistant-source-changed]')).toBe('source changed since')
  expect(await page.getAttribute('.assistant-feedback button:text-is("Helpful")', 'aria-pressed')).toBe('true')
})
