// Changing the password from the top bar ends the user's other sessions at once: the same user's other browser loses
// the open page (the server closes its hub connection) and is signed out; this browser goes on editing.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import type { Browser } from 'playwright-core'
import { Api } from '../src/api'
import { createUser, serverUrl } from './harness'
import { launchChromium, newContext, openDocument, waitForText } from './editorSupport'

let browser: Browser | null = null

beforeAll(async () => {
  if (inject('serverError')) return
  browser = await launchChromium()
}, 90_000)

afterAll(async () => {
  await browser?.close()
}, 90_000)

it('a password change in one browser ends the session in the other', { timeout: 90_000 }, async () => {
  serverUrl()
  const ana = await createUser('ana')
  const docId = await ana.api.createDocument('Two browsers')
  const here = await newContext(browser!)
  const elsewhere = await newContext(browser!)
  try {
    const page = await openDocument(here, ana, docId)
    const other = await openDocument(elsewhere, ana, docId)

    await page.click('[data-testid=change-password-button]')
    await page.fill('[data-testid=change-password] input[name=currentPassword]', ana.password)
    // The server's policy speaks through the dialog: a common password is refused and nothing changes.
    await page.fill('[data-testid=change-password] input[name=newPassword]', 'password123')
    await page.fill('[data-testid=change-password] input[name=repeatPassword]', 'password123')
    await page.click('[data-testid=change-password] button[type=submit]')
    await page.waitForSelector('[data-testid=change-password] [role=alert]:has-text("too common")')
    await page.fill('[data-testid=change-password] input[name=newPassword]', 'a fresh passphrase 2')
    await page.fill('[data-testid=change-password] input[name=repeatPassword]', 'a fresh passphrase 2')
    const changed = Date.now()
    await page.click('[data-testid=change-password] button[type=submit]')
    await page.waitForSelector('[data-testid=password-dialog]', { state: 'detached' })

    // The other browser's open page is taken away within a second or two (push, close), with nothing of it left.
    await other.waitForSelector('[data-testid=revoked]', { timeout: 5_000 })
    expect(Date.now() - changed).toBeLessThan(5_000)
    expect(await other.locator('.tiptap').count()).toBe(0)
    // The ended session is forgotten at once: going anywhere in the app (no reload) leads to the sign-in form.
    await other.evaluate(() => { location.hash = '#/' })
    await other.waitForSelector('input[name=password]', { timeout: 15_000 })
    // Reloading it finds the session gone too.
    await other.reload()
    await other.waitForSelector('input[name=password]', { timeout: 15_000 })

    // This browser's session lives on: it still edits, and the edit is saved.
    await page.click('.tiptap')
    await page.keyboard.type('Still here.')
    await page.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
    await waitForText(page, 'Still here.')
    expect(await ana.api.me().catch(() => null)).toBeNull()
  } finally {
    await here.close()
    await elsewhere.close()
  }
})

it('an administrator resets a password and signs a user out everywhere from the admin page', { timeout: 90_000 }, async () => {
  serverUrl()
  const ben = await createUser('ben', 'Ben Reset')
  const docId = await ben.api.createDocument('Reset')
  const adminContext = await newContext(browser!)
  const benContext = await newContext(browser!)
  try {
    const benPage = await openDocument(benContext, ben, docId)
    const page = await adminContext.newPage()
    await page.goto(`${serverUrl()}/`)
    await page.fill('input[name=username]', 'admin')
    await page.fill('input[name=password]', inject('adminPassword'))
    await page.click('button[type=submit]')
    await page.waitForSelector('input[name=password]', { state: 'detached' })
    await page.goto(`${serverUrl()}/#/admin/users`)
    const row = page.locator(`[data-testid=users] tr[data-username="${ben.username}"]`)

    // Sign out everywhere: Ben's open page is taken away, his tokens are dead.
    await row.locator('[data-action=sign-out-everywhere]').click()
    await page.locator('dialog button.danger').click()
    await benPage.waitForSelector('[data-testid=revoked]', { timeout: 5_000 })
    await expect(ben.api.spaces()).rejects.toMatchObject({ status: 401 })

    // Reset: a one-time password, shown once, that signs Ben in (and the old one no longer does).
    await row.locator('[data-action=reset-password]').click()
    await page.locator('dialog button.danger').click()
    const shown = await page.locator('[data-testid=one-time-password]').textContent()
    const oneTime = /: (\S+)$/.exec(shown ?? '')?.[1]
    expect(oneTime).toMatch(/^[A-Za-z0-9]{16}$/)
    await expect(new Api(serverUrl()).login(ben.username, ben.password)).rejects.toMatchObject({ status: 401 })
    await new Api(serverUrl()).login(ben.username, oneTime!)
  } finally {
    await adminContext.close()
    await benContext.close()
  }
})
