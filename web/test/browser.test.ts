// The built app in Debian's Chromium: two people sign in, open one document and see each other's typing.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createUser, serverUrl, type TestUser } from './harness'
import { caretAtEndOf } from './editorSupport'

// The committed screenshot in docs/ changes only on request; ordinary runs write under the ignored artifacts/.
const screenshotDir = resolve(import.meta.dirname, '..', '..',
  process.env.SPOTTER_UPDATE_SCREENSHOTS === '1' ? 'docs' : 'artifacts', 'screenshots')
let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return // the test itself reports it
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    // Playwright gives the browser a fresh temporary profile (user-data-dir); each person below gets an
    // isolated context in it.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
})

afterAll(async () => {
  await browser?.close()
})

async function signInAndOpen(context: BrowserContext, appUrl: string, user: TestUser, docId: string): Promise<Page> {
  const page = await context.newPage()
  await page.goto(appUrl)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')
  await page.goto(`${appUrl}#/doc/${encodeURIComponent(docId)}`)
  await page.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
  return page
}

/** The editor's paragraphs as text, without the other people's caret labels. */
function paragraphs(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('.tiptap p')].map(p => {
    const copy = p.cloneNode(true) as HTMLElement
    copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
    return copy.textContent ?? ''
  }))
}

it('two people in Chromium see each other typing in the same document', async () => {
  serverUrl()
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const docId = await ana.api.createDocument('Browser test')
  await ana.api.setMember(docId, ben.username, 'editor')
  // The client exactly as the WebHost serves it (same origin for the page, /api and /hubs).
  const appUrl = `${serverUrl()}/`

  const first = await browser!.newContext({ viewport: { width: 900, height: 560 } })
  const second = await browser!.newContext({ viewport: { width: 900, height: 560 } })
  const anaPage = await signInAndOpen(first, appUrl, ana, docId)
  const benPage = await signInAndOpen(second, appUrl, ben, docId)
  expect(await anaPage.textContent('[data-testid=role]')).toBe('owner')
  expect(await benPage.textContent('[data-testid=role]')).toBe('editor')

  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Ana writes the first line.')
  await benPage.waitForFunction(() => document.querySelector('.tiptap')?.textContent?.includes('Ana writes the first line.'))
  // The caret goes to the end of Ana's line through the editor's own selection (as editor.test.ts does): a click
  // followed by Control+End, or a DOM selection, left ProseMirror's selection at the start now and then on a loaded
  // machine, so Enter split the line before Ana's text.
  await caretAtEndOf(benPage, 'Ana writes the first line.')
  await benPage.keyboard.press('Enter')
  await benPage.keyboard.type('Ben adds a second one.')
  await anaPage.waitForFunction(() => document.querySelector('.tiptap')?.textContent?.includes('Ben adds a second one.'))

  // Each sees the other's caret, labelled with the display name the server wrote into the awareness state.
  await anaPage.waitForSelector(`.collaboration-carets__label:has-text("${ben.displayName}")`)
  await benPage.waitForSelector(`.collaboration-carets__label:has-text("${ana.displayName}")`)
  await anaPage.waitForSelector('[data-testid=state][data-kind=good]')
  expect(await paragraphs(anaPage)).toEqual(['Ana writes the first line.', 'Ben adds a second one.'])
  expect(await paragraphs(benPage)).toEqual(['Ana writes the first line.', 'Ben adds a second one.'])

  mkdirSync(screenshotDir, { recursive: true })
  await anaPage.screenshot({ path: join(screenshotDir, 'editor-two-users.png') })
  await first.close()
  await second.close()
})
