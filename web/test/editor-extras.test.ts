// Task lists and tables in use, not only inserted: ticking a task and the table tools change the shared document
// for the other person; a viewer's page does not let a tick through.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser, Page } from 'playwright-core'
import { createUser, serverUrl } from './harness'
import { coEditors, launchChromium, newContext, openDocument, waitForText } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

const task = (page: Page, text: string) => page.locator('.tiptap ul[data-type=taskList] > li', { hasText: text })
const checkbox = (page: Page, text: string) => task(page, text).locator('input[type=checkbox]').first()
/** Text of an element without other people's caret labels. */
const textOf = (page: Page, selector: string) => page.$$eval(selector, elements => elements.map(element => {
  const copy = element.cloneNode(true) as HTMLElement
  copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
  return copy.textContent ?? ''
}))
const tickedTasks = (page: Page) => page.$$eval('.tiptap ul[data-type=taskList] > li', items => items.map(item => {
  const copy = item.querySelector('div')!.cloneNode(true) as HTMLElement
  copy.querySelectorAll('.collaboration-carets__caret').forEach(caret => caret.remove())
  return `${item.getAttribute('data-checked')}:${copy.textContent ?? ''}`
}))

/** Rows × columns of the first table, as the page shows it. */
const tableShape = (page: Page) => page.evaluate(() => {
  const rows = [...document.querySelectorAll('.tiptap table tr')]
  return rows.map(row => row.querySelectorAll('th, td').length)
})

it('ticking a task reaches the other editor and back; a viewer cannot tick until promoted', async () => {
  serverUrl()
  const ana = await createUser('ana')
  const ben = await createUser('ben')
  const vic = await createUser('vic')
  const docId = await ana.api.createDocument('Tasks')
  await ana.api.setMember(docId, ben.username, 'editor')
  await ana.api.setMember(docId, vic.username, 'viewer')
  const contexts = await Promise.all([newContext(browser!), newContext(browser!), newContext(browser!)])
  const anaPage = await openDocument(contexts[0], ana, docId)
  const benPage = await openDocument(contexts[1], ben, docId)
  const vicPage = await openDocument(contexts[2], vic, docId)

  await anaPage.click('.tiptap')
  await anaPage.click('[data-tool=taskList]')
  await anaPage.keyboard.type('Sign the contract')
  await anaPage.keyboard.press('Enter')
  await anaPage.keyboard.type('Book the room')
  await waitForText(benPage, 'Book the room')
  await waitForText(vicPage, 'Book the room')
  expect(await tickedTasks(benPage)).toEqual(['false:Sign the contract', 'false:Book the room'])

  // Ben ticks the first task: Ana (and the viewer) see it done.
  await checkbox(benPage, 'Sign the contract').click()
  await anaPage.waitForSelector('.tiptap ul[data-type=taskList] > li[data-checked=true]:has-text("Sign the contract")')
  expect(await checkbox(anaPage, 'Sign the contract').isChecked()).toBe(true)
  await vicPage.waitForSelector('.tiptap ul[data-type=taskList] > li[data-checked=true]:has-text("Sign the contract")')
  expect(await tickedTasks(anaPage)).toEqual(['true:Sign the contract', 'false:Book the room'])
  // Ana unticks it again: Ben sees that too.
  await checkbox(anaPage, 'Sign the contract').click()
  await benPage.waitForSelector('.tiptap ul[data-type=taskList] > li[data-checked=false]:has-text("Sign the contract")')

  // The viewer's checkboxes cannot be ticked: nothing changes on their page or for the others.
  expect(await checkbox(vicPage, 'Book the room').isDisabled()).toBe(true)
  await checkbox(vicPage, 'Book the room').click({ force: true })
  await vicPage.waitForTimeout(500)
  expect(await checkbox(vicPage, 'Book the room').isChecked()).toBe(false)
  expect(await tickedTasks(vicPage)).toEqual(['false:Sign the contract', 'false:Book the room'])
  expect(await tickedTasks(anaPage)).toEqual(['false:Sign the contract', 'false:Book the room'])

  // Promoted live to editor, the same checkbox works for Vic.
  await ana.api.setMember(docId, vic.username, 'editor')
  await vicPage.waitForSelector('[data-testid=role][data-role=editor]', { timeout: 10_000 })
  expect(await checkbox(vicPage, 'Book the room').isDisabled()).toBe(false)
  await checkbox(vicPage, 'Book the room').click()
  await anaPage.waitForSelector('.tiptap ul[data-type=taskList] > li[data-checked=true]:has-text("Book the room")')
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]')
  for (const context of contexts) await context.close()
}, 90_000)

it('the table tools add and delete rows and columns and the whole table for the other editor too', async () => {
  serverUrl()
  const { anaContext, benContext, anaPage, benPage } = await coEditors(browser!, 'Tables')

  await anaPage.click('.tiptap')
  await anaPage.keyboard.type('Rooms')
  await anaPage.keyboard.press('Enter')
  await anaPage.click('[data-tool=table]')
  await anaPage.keyboard.type('Name')
  await benPage.waitForSelector('.tiptap table th:has-text("Name")')
  expect(await tableShape(benPage)).toEqual([3, 3, 3])
  expect(await benPage.isVisible('[data-tool=addRow]')).toBe(false) // Ben's caret is not in the table

  await anaPage.click('[data-tool=addRow]')
  await benPage.waitForFunction(() => document.querySelectorAll('.tiptap table tr').length === 4)
  expect(await tableShape(benPage)).toEqual([3, 3, 3, 3])
  await anaPage.click('[data-tool=addColumn]')
  await benPage.waitForFunction(() => document.querySelectorAll('.tiptap table tr:first-child > *').length === 4)
  expect(await tableShape(benPage)).toEqual([4, 4, 4, 4])
  // The new column is right of "Name", the new row below the header.
  expect(await textOf(benPage, '.tiptap table tr:first-child > *')).toEqual(['Name', '', '', ''])

  // Ben uses the tools too, from a cell of his own.
  await benPage.click('.tiptap table tr:nth-child(3) td:nth-child(2)')
  await benPage.keyboard.type('B2')
  await benPage.waitForSelector('[data-tool=deleteRow]:visible')
  await benPage.click('[data-tool=deleteRow]')
  await anaPage.waitForFunction(() => document.querySelectorAll('.tiptap table tr').length === 3)
  expect(await tableShape(anaPage)).toEqual([4, 4, 4])
  expect((await textOf(anaPage, '.tiptap table'))[0]).not.toContain('B2')
  await anaPage.click('[data-tool=deleteColumn]') // Ana's caret is still in "Name"
  await benPage.waitForFunction(() => document.querySelectorAll('.tiptap table tr:first-child > *').length === 3)
  expect(await tableShape(benPage)).toEqual([3, 3, 3])
  expect((await textOf(benPage, '.tiptap table'))[0]).not.toContain('Name')

  await benPage.click('.tiptap table tr:nth-child(2) td:nth-child(1)')
  await benPage.click('[data-tool=deleteTable]')
  await anaPage.waitForFunction(() => document.querySelector('.tiptap table') === null)
  await waitForText(anaPage, 'Rooms')
  expect(await benPage.$('.tiptap table')).toBeNull()
  expect(await anaPage.isVisible('[data-tool=addRow]')).toBe(false)
  await anaPage.waitForSelector('[data-testid=state][data-state=saved]')
  await benPage.waitForSelector('[data-testid=state][data-state=saved]')
  await anaContext.close()
  await benContext.close()
}, 90_000)
