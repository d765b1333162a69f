// Browser helpers for the editor tests: Debian's Chromium, signing in through the app, reading the editor.
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { createUser, serverUrl, type TestUser } from './harness'

// Committed screenshots in docs/ change only on request; ordinary runs write under the ignored artifacts/.
const screenshotDir = resolve(import.meta.dirname, '..', '..',
  process.env.SPOTTER_UPDATE_SCREENSHOTS === '1' ? 'docs' : 'artifacts', 'screenshots')

export async function screenshot(page: Page, name: string, target?: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  const path = join(screenshotDir, name)
  if (target) await page.locator(target).screenshot({ path })
  else await page.screenshot({ path })
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  })
}

export async function newContext(browser: Browser, language: 'en' | 'zh' = 'en'): Promise<BrowserContext> {
  const context = await browser.newContext({ viewport: { width: 1200, height: 700 }, locale: language === 'zh' ? 'zh-CN' : 'en-US' })
  await context.addInitScript(lang => { localStorage.setItem('spotter.collab.language', lang) }, language)
  return context
}

/** Signs in through the app's form, then opens the document's editor page. */
export async function openDocument(context: BrowserContext, user: TestUser, docId: string, waitForState: string | null = 'good'): Promise<Page> {
  const page = await context.newPage()
  if (process.env.SPOTTER_BROWSER_LOG === '1') {
    page.on('console', message => console.log(`[${user.username}] ${message.type()}: ${message.text()}`))
    page.on('response', response => { if (response.status() >= 400) console.log(`[${user.username}] ${response.status()} ${response.request().method()} ${response.url()}`) })
  }
  const appUrl = `${serverUrl()}/`
  await page.goto(appUrl)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('input[name=password]', { state: 'detached' })
  await page.goto(`${appUrl}#/doc/${encodeURIComponent(docId)}`)
  await page.waitForSelector('[data-testid=editor] .tiptap')
  if (waitForState) await page.waitForSelector(`[data-testid=state][data-kind=${waitForState}]`, { timeout: 15_000 })
  return page
}

/** The editor's text blocks (paragraphs, headings, cells), without other people's caret labels. */
export function blocks(page: Page): Promise<string[]> {
  return page.evaluate(() => [...document.querySelectorAll('.tiptap p, .tiptap h1, .tiptap h2, .tiptap h3')].map(block => {
    const copy = block.cloneNode(true) as HTMLElement
    copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
    return copy.textContent ?? ''
  }))
}

/** Waits until the editor's text (other people's caret labels left out) contains `text`. */
export async function waitForText(page: Page, text: string, timeout = 10_000): Promise<void> {
  try {
    await page.waitForFunction(expected => {
      const editor = document.querySelector('.tiptap')
      if (!editor) return false
      const copy = editor.cloneNode(true) as HTMLElement
      copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
      return copy.textContent?.includes(expected) ?? false
    }, text, { timeout })
  } catch (error) {
    // Say what the editor held instead, so a failure tells a misplaced caret from an update that never arrived.
    const blocksNow = await blocks(page).catch(() => ['(no editor)'])
    const state = await page.getAttribute('[data-testid=state]', 'data-state').catch(() => null)
    throw new Error(`"${text}" not in the editor within ${timeout} ms; blocks: ${JSON.stringify(blocksNow)}, state: ${state}`, { cause: error })
  }
}

/**
 * Puts the caret at the end of the paragraph whose text starts with `prefix`, through the editor's own state. A DOM
 * selection would be read by ProseMirror only on the next selectionchange event, and a remote update landing before
 * that restores ProseMirror's older selection, so typing would start at the wrong place.
 */
export async function caretAtEndOf(page: Page, prefix: string): Promise<void> {
  const ok = await page.evaluate(start => {
    type Node = { type: { name: string }; textContent: string; nodeSize: number }
    type Editor = {
      state: { doc: { descendants(f: (node: Node, pos: number) => boolean | void): void } }
      commands: { setTextSelection(pos: number): boolean }
      view: { focus(): void; hasFocus(): boolean }
    }
    const editor = (document.querySelector('.tiptap') as HTMLElement & { editor?: Editor }).editor
    if (!editor) return false
    let end = -1
    editor.state.doc.descendants((node, pos) => {
      if (end >= 0) return false
      if (node.type.name === 'paragraph' && node.textContent.startsWith(start)) {
        end = pos + node.nodeSize - 1
        return false
      }
      return true
    })
    if (end < 0 || !editor.commands.setTextSelection(end)) return false
    // Focused at once: Tiptap's focus command waits for an animation frame, and keys pressed before it are lost.
    editor.view.focus()
    return editor.view.hasFocus()
  }, prefix)
  if (!ok) throw new Error(`no paragraph starts with "${prefix}", or the editor did not take the focus`)
}

/** Selects `text` (first occurrence) inside the editor through the DOM, as a mouse drag would. */
export async function selectText(page: Page, text: string): Promise<void> {
  const ok = await page.evaluate(wanted => {
    const root = document.querySelector('.tiptap')!
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT)
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const index = (node.textContent ?? '').indexOf(wanted)
      if (index < 0 || node.parentElement?.closest('.collaboration-carets__caret')) continue
      const range = document.createRange()
      range.setStart(node, index)
      range.setEnd(node, index + wanted.length)
      const selection = window.getSelection()!
      selection.removeAllRanges()
      selection.addRange(range)
      document.dispatchEvent(new Event('selectionchange'))
      return true
    }
    return false
  }, text)
  if (!ok) throw new Error(`"${text}" is not in the editor`)
  await page.waitForTimeout(50)
}

export interface CoEditors {
  ana: TestUser
  ben: TestUser
  docId: string
  anaContext: BrowserContext
  benContext: BrowserContext
  anaPage: Page
  benPage: Page
  close(): Promise<void>
}

/**
 * The scene most editor tests start from: Ana owns a new document titled `title`, Ben is its editor, and each has it
 * open in a browser context of their own. `beforeOpen` runs on Ana's context before her page opens (to route or
 * watch her traffic).
 */
export async function coEditors(browser: Browser, title: string, options: {
  names?: [string, string]
  language?: 'en' | 'zh'
  beforeOpen?: (anaContext: BrowserContext) => Promise<void>
} = {}): Promise<CoEditors> {
  const [anaName, benName] = options.names ?? [undefined, undefined]
  const ana = await createUser('ana', anaName)
  const ben = await createUser('ben', benName)
  const docId = await ana.api.createDocument(title)
  await ana.api.setMember(docId, ben.username, 'editor')
  const anaContext = await newContext(browser, options.language)
  const benContext = await newContext(browser, options.language)
  await options.beforeOpen?.(anaContext)
  const anaPage = await openDocument(anaContext, ana, docId)
  const benPage = await openDocument(benContext, ben, docId)
  return {
    ana, ben, docId, anaContext, benContext, anaPage, benPage,
    async close() {
      await anaContext.close()
      await benContext.close()
    },
  }
}
