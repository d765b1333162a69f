// The editor page in Debian's Chromium against the real server: co-editing with live carets, rich blocks,
// read-only roles, revocation, Chinese IME input and the Chinese UI.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { createUser, serverUrl } from './harness'
import { blocks, caretAtEndOf, coEditors, launchChromium, newContext, openDocument, screenshot, waitForText } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return // each test reports it through serverUrl()
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

const editorText = (page: Page) => page.evaluate(() => {
  const copy = document.querySelector('.tiptap')!.cloneNode(true) as HTMLElement
  copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
  return copy.textContent ?? ''
})

it('two people type into the same page at once and each sees the other\'s text and named caret', async () => {
  serverUrl()
  const { ana, ben, docId, anaContext, benContext, anaPage, benPage } = await coEditors(browser!, 'Team handbook', { names: ['Ana Lima', 'Ben Okafor'] })
  expect(await anaPage.getAttribute('[data-testid=role]', 'data-role')).toBe('owner')
  expect(await benPage.getAttribute('[data-testid=role]', 'data-role')).toBe('editor')

  // Ana prepares two lines; then both type at the same time, each into their own line.
  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Ana:')
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.type('Ben:')
  await waitForText(benPage, 'Ben:')
  await caretAtEndOf(anaPage, 'Ana:')
  await caretAtEndOf(benPage, 'Ben:')
  await Promise.all([
    anaPage.keyboard.type(' onboarding starts on Monday', { delay: 15 }),
    benPage.keyboard.type(' laptops are ready at the desk', { delay: 15 }),
  ])
  const expected = ['Ana: onboarding starts on Monday', 'Ben: laptops are ready at the desk']
  for (const page of [anaPage, benPage]) {
    await waitForText(page, expected[0])
    await waitForText(page, expected[1])
  }
  expect(await blocks(anaPage)).toEqual(expected)
  expect(await blocks(benPage)).toEqual(expected)

  // Each sees the other's caret labelled with the display name the server put into the awareness state.
  await anaPage.waitForSelector(`.collaboration-carets__label:has-text("${ben.displayName}")`)
  await benPage.waitForSelector(`.collaboration-carets__label:has-text("${ana.displayName}")`)
  await anaPage.waitForSelector(`[data-testid=people] li:has-text("${ben.displayName}")`)
  await anaPage.waitForSelector('[data-testid=state][data-kind=good]')
  await benPage.waitForSelector('[data-testid=state][data-kind=good]')
  expect(await anaPage.getAttribute('[data-testid=state]', 'data-state')).toBe('saved')

  // A third person (a viewer) watching sees both carets with their names.
  const cleo = await createUser('cleo', 'Cleo Park')
  await ana.api.setMember(docId, cleo.username, 'viewer')
  const cleoContext = await newContext(browser!)
  const cleoPage = await openDocument(cleoContext, cleo, docId)
  await waitForText(cleoPage, expected[1])
  await anaPage.keyboard.press('Shift+Home') // Ana selects her line: the others see it highlighted
  await cleoPage.waitForSelector(`.collaboration-carets__label:has-text("${ana.displayName}")`)
  await cleoPage.waitForSelector(`.collaboration-carets__label:has-text("${ben.displayName}")`)
  await screenshot(cleoPage, 'editor-two-cursors.png')
  await anaContext.close()
  await benContext.close()
  await cleoContext.close()
}, 90_000)

it('the toolbar makes headings, lists, task lists, tables and code blocks that reach the other editor', async () => {
  serverUrl()
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, 'Blocks')

  await anaPage.click('.tiptap')
  await anaPage.click('[data-tool=h2]')
  await anaPage.keyboard.type('Checklist')
  expect(await anaPage.getAttribute('[data-tool=h2]', 'aria-pressed')).toBe('true')
  await anaPage.keyboard.press('Enter')
  await anaPage.click('[data-tool=taskList]')
  await anaPage.keyboard.type('Sign the contract')
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.press('Enter') // leaves the task list
  await anaPage.click('[data-tool=bulletList]')
  await anaPage.keyboard.type('first point')
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.press('Enter')
  await anaPage.click('[data-tool=codeBlock]')
  await anaPage.keyboard.type('npm ci')
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.press('Enter') // three Enters leave a code block
  await anaPage.click('[data-tool=table]')
  await anaPage.keyboard.type('Name')
  // Table tools appear only while the caret is in a table.
  expect(await anaPage.isVisible('[data-tool=addRow]')).toBe(true)

  await benPage.waitForSelector('.tiptap h2:has-text("Checklist")')
  await benPage.waitForSelector('.tiptap ul[data-type=taskList] li:has-text("Sign the contract")')
  await benPage.waitForSelector('.tiptap ul:not([data-type]) li:has-text("first point")')
  await benPage.waitForSelector('.tiptap pre code:has-text("npm ci")')
  await benPage.waitForSelector('.tiptap table th:has-text("Name")')
  expect(await benPage.locator('.tiptap table tr').count()).toBe(3)
  await anaContext.close()
  await benContext.close()
}, 90_000)

it('a viewer cannot type and sees a disabled toolbar; a commenter too; removing access closes the page live', async () => {
  serverUrl()
  const owner = await createUser('owner', 'Olga Owner')
  const viewer = await createUser('viewer', 'Vic Viewer')
  const commenter = await createUser('commenter', 'Cora Commenter')
  const docId = await owner.api.createDocument('Read only')
  await owner.api.setMember(docId, viewer.username, 'viewer')
  await owner.api.setMember(docId, commenter.username, 'commenter')
  const ownerContext = await newContext(browser!)
  const viewerContext = await newContext(browser!)
  const commenterContext = await newContext(browser!)
  const ownerPage = await openDocument(ownerContext, owner, docId)
  await ownerPage.click('.tiptap')
  await ownerPage.keyboard.type('Only the owner writes here.')
  await ownerPage.waitForSelector('[data-testid=state][data-kind=good]')

  const viewerPage = await openDocument(viewerContext, viewer, docId)
  await waitForText(viewerPage, 'Only the owner writes here.')
  expect(await viewerPage.getAttribute('[data-testid=role]', 'data-role')).toBe('viewer')
  expect(await viewerPage.getAttribute('.tiptap', 'contenteditable')).toBe('false')
  const disabled = await viewerPage.$$eval('[data-testid=toolbar] button.tool:not(.comment-tool)', buttons =>
    buttons.map(b => (b as HTMLButtonElement).disabled))
  expect(disabled.length).toBeGreaterThan(10)
  expect(disabled.every(Boolean)).toBe(true)
  expect(await viewerPage.isVisible('[data-tool=comment]')).toBe(false)
  expect(await viewerPage.textContent('[data-testid=notice]')).toContain('not change it')
  // Typing at the viewer changes nothing, locally or for the owner.
  await viewerPage.click('.tiptap')
  await viewerPage.keyboard.type('viewer was here')
  await viewerPage.keyboard.press('Enter')
  await viewerPage.waitForTimeout(300)
  expect(await editorText(viewerPage)).toBe('Only the owner writes here.')
  expect(await editorText(ownerPage)).toBe('Only the owner writes here.')

  const commenterPage = await openDocument(commenterContext, commenter, docId)
  expect(await commenterPage.getAttribute('.tiptap', 'contenteditable')).toBe('false')
  expect(await commenterPage.isDisabled('[data-tool=bold]')).toBe(true)
  expect(await commenterPage.isVisible('[data-tool=comment]')).toBe(true)

  // The owner removes the viewer: the server sends Revoked and the page drops the document.
  await owner.api.removeMember(docId, viewer.username)
  await viewerPage.waitForSelector('[data-testid=revoked]', { timeout: 10_000 })
  expect(await viewerPage.$('.tiptap')).toBeNull()
  expect(await viewerPage.getAttribute('[data-testid=state]', 'data-state')).toBe('revoked')
  for (const context of [ownerContext, viewerContext, commenterContext]) await context.close()
}, 90_000)

it('a role change reaches the open editor live: a viewer promoted to editor can type, demoted again cannot', async () => {
  serverUrl()
  const owner = await createUser('owner')
  const vic = await createUser('vic', 'Vic Viewer')
  const docId = await owner.api.createDocument('Live roles')
  await owner.api.setMember(docId, vic.username, 'viewer')
  const ownerContext = await newContext(browser!)
  const vicContext = await newContext(browser!)
  const ownerPage = await openDocument(ownerContext, owner, docId)
  const vicPage = await openDocument(vicContext, vic, docId)
  expect(await vicPage.getAttribute('.tiptap', 'contenteditable')).toBe('false')

  await owner.api.setMember(docId, vic.username, 'editor')
  await vicPage.waitForSelector('[data-testid=role][data-role=editor]', { timeout: 10_000 })
  await vicPage.waitForSelector('.tiptap[contenteditable=true]')
  expect(await vicPage.isDisabled('[data-tool=bold]')).toBe(false)
  await vicPage.click('.tiptap')
  await vicPage.keyboard.type('Promoted and typing.')
  await waitForText(ownerPage, 'Promoted and typing.')

  await owner.api.setMember(docId, vic.username, 'viewer')
  await vicPage.waitForSelector('[data-testid=role][data-role=viewer]', { timeout: 10_000 })
  await vicPage.waitForSelector('.tiptap[contenteditable=false]')
  expect(await vicPage.isDisabled('[data-tool=bold]')).toBe(true)
  await vicPage.keyboard.type(' more')
  await vicPage.waitForTimeout(300)
  expect(await editorText(ownerPage)).toBe('Promoted and typing.')
  await ownerContext.close()
  await vicContext.close()
}, 90_000)

it('an IME composition survives another user typing into the same paragraph meanwhile', async () => {
  serverUrl()
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, '并发输入', { names: ['安娜', '本'], language: 'zh' })

  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('会议: ')
  await waitForText(benPage, '会议: ')
  // Ben puts his caret at the start of the same paragraph.
  await benPage.click('.tiptap p')
  await benPage.keyboard.press('Home')

  // Ana composes pinyin at the end of the line while Ben's typing at its start reaches her editor: the remote
  // change moves her composition to the right and re-renders the paragraph under it.
  const cdp = await anaContext.newCDPSession(anaPage)
  const steps = ['k', 'ka', 'kai', 'kaih', 'kaihu', 'kaihui']
  for (const [i, text] of steps.entries()) {
    await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length })
    await benPage.keyboard.type('本'.repeat(i % 2) + 'B')
    await anaPage.waitForFunction(count => (document.querySelector('.tiptap p')?.textContent ?? '').split('B').length - 1 >= count, i + 1)
  }
  await cdp.send('Input.insertText', { text: '开会' })
  await anaPage.keyboard.type('。')

  const expected = ['B本BB本BB本B会议: 开会。']
  for (const page of [anaPage, benPage]) await waitForText(page, expected[0])
  expect(await blocks(anaPage)).toEqual(expected)
  expect(await blocks(benPage)).toEqual(expected)
  await anaContext.close()
  await benContext.close()
}, 90_000)

it('Chinese IME composition lands once in the editor and syncs to the other user', async () => {
  serverUrl()
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, '中文', { names: ['安娜', '本'], language: 'zh' })

  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('IME: ')
  const cdp = await anaContext.newCDPSession(anaPage)
  // Pinyin being composed, then the candidate chosen — what a Chinese input method sends.
  for (const text of ['z', 'zh', 'zhong', 'zhongw', 'zhongwen']) {
    await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length })
  }
  await cdp.send('Input.insertText', { text: '中文' })
  for (const text of ['s', 'sh', 'shu', 'shuru']) {
    await cdp.send('Input.imeSetComposition', { text, selectionStart: text.length, selectionEnd: text.length })
  }
  await cdp.send('Input.insertText', { text: '输入' })
  await anaPage.keyboard.type('!')

  await waitForText(benPage, 'IME: 中文输入!')
  expect(await blocks(anaPage)).toEqual(['IME: 中文输入!'])
  expect(await blocks(benPage)).toEqual(['IME: 中文输入!'])
  await anaPage.waitForSelector('[data-testid=state][data-kind=good]')

  // The Chinese UI: labels come from the zh catalogue.
  expect(await anaPage.textContent('[data-testid=state]')).toBe('在线 · 已保存')
  expect(await anaPage.getAttribute('[data-tool=bold]', 'title')).toBe('粗体')
  expect(await anaPage.textContent('[data-testid=role]')).toBe('所有者')
  expect(await benPage.textContent('[data-testid=role]')).toBe('编辑者')

  // Switching the UI language re-labels the open editor in place; the text and the session stay.
  await anaPage.selectOption('[data-testid=language]', 'en')
  await anaPage.waitForFunction(() => document.querySelector('[data-testid=state]')?.textContent === 'Online · saved')
  expect(await anaPage.getAttribute('[data-tool=bold]', 'title')).toBe('Bold')
  expect(await anaPage.textContent('[data-testid=role]')).toBe('owner')
  expect(await anaPage.textContent('[data-panel=comments]')).toBe('Comments')
  expect(await blocks(anaPage)).toEqual(['IME: 中文输入!'])
  await anaContext.close()
  await benContext.close()
}, 90_000)
