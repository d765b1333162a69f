// The app shell in Debian's Chromium against the real server: spaces and the live page tree, the partner view and
// live revocation, the sharing panel and share links, the admin page, the language switch.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { mkdirSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { type Browser, type BrowserContext, type Page } from 'playwright-core'
import { launchChromium } from './editorSupport'
import { Api, ApiError } from '../src/api'
import { admin, createUser, serverUrl, type TestUser } from './harness'

// Committed screenshots in docs/ change only on request; ordinary runs write under the ignored artifacts/.
const screenshotDir = resolve(import.meta.dirname, '..', '..',
  process.env.SPOTTER_UPDATE_SCREENSHOTS === '1' ? 'docs' : 'artifacts', 'screenshots')
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

async function newContext(): Promise<BrowserContext> {
  const context = await browser!.newContext({ viewport: { width: 1280, height: 760 }, locale: 'en-US' })
  contexts.push(context)
  return context
}

async function signIn(user: { username: string; password: string }, hash = ''): Promise<Page> {
  const page = await (await newContext()).newPage()
  await page.goto(`${serverUrl()}/`)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')
  if (hash) await page.goto(`${serverUrl()}/${hash}`)
  return page
}

/** Answers the shell's one-line prompt dialog. */
async function answerPrompt(page: Page, value: string): Promise<void> {
  const input = page.locator('dialog[open] input[name=value]')
  await input.fill(value)
  await input.press('Enter')
}

function treeTitles(page: Page): Promise<string[]> {
  return page.locator('[data-testid=tree] [data-testid=tree-page]').allTextContents()
}

async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true })
  await page.screenshot({ path: join(screenshotDir, name) })
}

async function typeInEditor(page: Page, text: string): Promise<void> {
  await page.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
  await page.click('.tiptap')
  await page.keyboard.type(text)
}

async function newSpaceWithPages(owner: TestUser, name: string, titles: string[]): Promise<{ spaceId: string; pageIds: string[] }> {
  const spaceId = await owner.api.createSpace(name)
  const pageIds: string[] = []
  for (const title of titles) pageIds.push(await owner.api.createPage(spaceId, title))
  return { spaceId, pageIds }
}

const adminUser = () => ({ username: 'admin', password: inject('adminPassword') })

it('a newcomer signs in, creates a space and a page, sees it in the tree and writes in it', { timeout: 90_000 }, async () => {
  serverUrl()
  const ana = await createUser('ana', 'Ana Lima')
  const page = await signIn(ana)

  await page.click('[data-testid=new-space]')
  await answerPrompt(page, 'Product handbook')
  await page.waitForURL(/\/space\/[^/]+$/)
  await page.waitForSelector('[data-testid=new-page]')
  // The prompt opens on its field, and Escape closes it without creating anything.
  await page.click('[data-testid=new-page]')
  await page.waitForSelector('dialog[open] input[name=value]')
  expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('value')
  await page.keyboard.press('Escape')
  await page.waitForSelector('dialog', { state: 'detached' })
  expect(await page.locator('[data-testid=tree-page]').count()).toBe(0)
  await page.click('[data-testid=new-page]')
  await answerPrompt(page, 'Getting started')
  await page.waitForURL(/\/space\/[^/]+\/page\//)
  await page.waitForSelector('[data-testid=tree-page]:has-text("Getting started")')
  expect(await page.textContent('[data-testid=page-title]')).toBe('Getting started')

  // A sub-page through the node's + button, then a sibling, reordered with "Move up".
  await page.hover('.node-row:has-text("Getting started")')
  await page.click('.node-row:has-text("Getting started") button[aria-label="New sub-page"]')
  await answerPrompt(page, 'Install the client')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Install the client")')
  await page.click('[data-testid=new-page]')
  await answerPrompt(page, 'Glossary')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Glossary")')
  expect(await treeTitles(page)).toEqual(['Getting started', 'Install the client', 'Glossary'])
  await page.hover('.node-row:has-text("Glossary")')
  await page.click('.node-row:has-text("Glossary") details.menu summary')
  await page.click('.node-row:has-text("Glossary") button:has-text("Move up")')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')].map(a => a.textContent).join('|') === 'Glossary|Getting started')

  // The tree works from the keyboard: arrows move between pages, left and right close and open them.
  const focused = () => page.evaluate(() => document.activeElement?.textContent)
  await page.focus('[data-testid=tree-page]:has-text("Glossary")')
  await page.keyboard.press('ArrowDown')
  expect(await focused()).toBe('Getting started')
  await page.keyboard.press('ArrowDown')
  expect(await focused()).toBe('Install the client')
  await page.keyboard.press('ArrowLeft')
  expect(await focused()).toBe('Getting started')
  await page.keyboard.press('ArrowLeft')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Install the client")', { state: 'detached' })
  expect(await page.getAttribute('[data-testid=tree] > li:nth-child(2)', 'aria-expanded')).toBe('false')
  await page.keyboard.press('ArrowRight')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Install the client")')

  await page.click('[data-testid=tree-page]:has-text("Getting started")')
  await typeInEditor(page, 'Welcome to the handbook. Start with the installation page.')
  await page.waitForSelector('[data-testid=state][data-kind=good]')
  await screenshot(page, 'app-space-tree-editor.png')
})

it('a second user watching the space sees a new page appear live, and a moved page move', { timeout: 60_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const { spaceId, pageIds } = await newSpaceWithPages(ana, 'Operations', ['Runbook', 'On-call'])
  await ana.api.addGrant(spaceId, `user:${ben.username}`, 'edit')

  const page = await signIn(ben, `#/space/${spaceId}`)
  await page.waitForSelector('[data-testid=tree-page]:has-text("On-call")')
  expect(await treeTitles(page)).toEqual(['Runbook', 'On-call'])

  // Ben's pointer rests on a row while the tree changes: the row is updated in place, not built again (a drag or a
  // hover under way survives a fetch).
  const runbookRow = await page.locator('.node-row:has-text("Runbook")').elementHandle()
  await page.hover('.node-row:has-text("Runbook")')
  const started = Date.now()
  await ana.api.createPage(spaceId, 'Incident review')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Incident review")', { timeout: 5_000 })
  expect(Date.now() - started).toBeLessThan(5_000)
  expect(await runbookRow!.evaluate(row => row.isConnected && row.matches(':hover'))).toBe(true)

  // Moving "On-call" under "Runbook" shows up for Ben too (the node gets a parent, so it is nested).
  await ana.api.movePage(pageIds[1], pageIds[0], 0)
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')]
    .map(a => a.textContent).join('|') === 'Runbook|Incident review', undefined, { timeout: 5_000 })
})

it('a partner sees only the shared page, nothing of the rest, and loses it live when the grant is removed', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const root = await admin()
  const org = await root.createPartner(`Acme Logistics ${Date.now().toString(36)}`)
  const partner = { username: `acme${Date.now().toString(36)}`, password: 'partner-secret-1', displayName: 'Pat from Acme' }
  await root.adminCreateUser({ ...partner, kind: 'partner', partnerOrgId: org.id })
  const { spaceId, pageIds: [sharedId, secretId] } = await newSpaceWithPages(ana, 'Supply chain', ['Delivery schedule', 'Internal margins'])
  await ana.api.createPage(spaceId, 'Supplier ranking', secretId)
  const grant = await ana.api.addGrant(sharedId, `user:${partner.username}`, 'view')

  const page = await signIn(partner)
  // No staff features at all.
  expect(await page.locator('[data-testid=admin-link]').count()).toBe(0)
  expect(await page.locator('[data-testid=new-space]').count()).toBe(0)
  await page.click('.space-link:has-text("Supply chain")')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Delivery schedule")')
  expect(await treeTitles(page)).toEqual(['Delivery schedule'])
  expect(await page.locator('[data-testid=new-page]').count()).toBe(0)
  await page.click('[data-testid=tree-page]:has-text("Delivery schedule")')
  await page.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
  expect(await page.locator('[data-testid=share]').count()).toBe(0)
  const text = await page.evaluate(() => document.body.innerText)
  expect(text).not.toContain('Internal margins')
  expect(text).not.toContain('Supplier ranking')
  // The hidden page's address answers like a missing one.
  const asPartner = new Api(serverUrl(), await new Api(serverUrl()).login(partner.username, partner.password))
  await expect(asPartner.describeDocument(secretId)).rejects.toMatchObject({ status: 404 })
  await expect(asPartner.searchDirectory('a')).rejects.toMatchObject({ status: 403 })

  const started = Date.now()
  await ana.api.removeGrant(sharedId, grant.id)
  await page.waitForSelector('[data-testid=revoked]', { timeout: 5_000 })
  const revokedAfter = Date.now() - started
  expect(revokedAfter).toBeLessThan(5_000)
  // The tree follows: nothing of the space is left for the partner.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=tree-page]').length === 0, undefined, { timeout: 5_000 })
  await page.waitForFunction(() => !document.querySelector('[data-testid=spaces]')?.textContent?.includes('Supply chain'), undefined, { timeout: 5_000 })
})

it('the sharing panel grants through the directory picker, explains access, and makes a link an outsider can open', { timeout: 90_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const { spaceId, pageIds: [pageId] } = await newSpaceWithPages(ana, 'Design', ['Brand guidelines'])
  const page = await signIn(ana, `#/space/${spaceId}/page/${pageId}`)
  await typeInEditor(page, 'Logo clear space is one cap height.')
  await page.click('[data-testid=share]')
  await page.waitForSelector('[data-testid=sharing]')
  await page.fill('[data-testid=sharing] input[name=principal]', 'Ben')
  await page.click(`[data-testid=sharing] button[data-principal="user:${ben.username}"]`)
  await page.selectOption('[data-testid=sharing] select[name=level]', 'edit')
  await page.click('[data-testid=add-grant] button[type=submit]')
  await page.waitForSelector('[data-testid=grants] li:has-text("Ben Okafor")')
  await page.waitForSelector('[data-testid=access] tr:has-text("Ben Okafor"):has-text("Can edit")')
  // Ana's own access is explained too (she created the space: manage, inherited by the page).
  await page.waitForSelector('[data-testid=access] tr:has-text("Ana Lima"):has-text("Can manage")')
  // Restricting the page (nobody loses access here, so nothing to confirm) is saved and shown.
  await page.click('[data-testid=sharing] input[name=restricted]')
  await page.waitForSelector('[data-testid=sharing] input[name=restricted]:checked')
  await expect.poll(async () => (await ana.api.settings(pageId)).restricted).toBe(true)

  await page.selectOption('[data-testid=create-link] select[name=scope]', 'anyone')
  await page.selectOption('[data-testid=create-link] select[name=role]', 'view')
  await page.click('[data-testid=create-link] button[type=submit]')
  const url = await page.locator('[data-testid=link-url]').inputValue()
  expect(url).toMatch(/^http:\/\/[^/]+\/link#.+/)
  await page.waitForSelector('[data-testid=links] li:has-text("Anyone with the link")')
  await screenshot(page, 'app-sharing.png')

  // Someone without an account opens the link: the page, read-only.
  const outsider = await (await newContext()).newPage()
  await outsider.goto(url)
  await outsider.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
  await outsider.waitForFunction(() => document.querySelector('.tiptap')?.textContent?.includes('Logo clear space'))
  expect(await outsider.getAttribute('.tiptap', 'contenteditable')).toBe('false')
  expect(await outsider.textContent('[data-testid=page-title]')).toBe('Brand guidelines')
})

it('the admin page creates a user and a group', { timeout: 60_000 }, async () => {
  serverUrl()
  const page = await signIn(adminUser(), '#/admin/users')
  const username = `carla${Date.now().toString(36)}`
  await page.waitForSelector('[data-testid=create-user]')
  await page.fill('[data-testid=create-user] input[name=username]', username)
  await page.fill('[data-testid=create-user] input[name=displayName]', 'Carla Mendes')
  await page.fill('[data-testid=create-user] input[name=password]', 'carla-secret-1')
  await page.click('[data-testid=create-user] button[type=submit]')
  await page.waitForSelector(`[data-testid=users] tr[data-username="${username}"]`)
  const signedIn = await new Api(serverUrl()).login(username, 'carla-secret-1')
  expect(signedIn).toBeTruthy()

  await page.click('a[href="/admin/groups"]')
  const group = `Editors ${Date.now().toString(36)}`
  await page.fill('[data-testid=create-group] input[name=groupName]', group)
  await page.click('[data-testid=create-group] button[type=submit]')
  const card = page.locator(`.group-card[data-group="${group}"]`)
  await card.waitFor()
  await card.locator('select[name=member]').selectOption(username)
  await card.locator('button:has-text("Add member")').click()
  await page.waitForSelector(`.group-card[data-group="${group}"] .chips li:has-text("Carla Mendes")`)
  const groups = await (await admin()).groups()
  expect(groups.find(g => g.name === group)?.members).toEqual([username])
  await page.click('a[href="/admin/users"]')
  await page.waitForSelector(`[data-testid=users] tr[data-username="${username}"]`)
  await screenshot(page, 'app-admin.png')
})

it('the admin page renames a partner organisation, shows why it cannot be deleted yet, and deletes it once its user has moved', { timeout: 60_000 }, async () => {
  const root = await admin()
  const stamp = Date.now().toString(36)
  const org = await root.createPartner(`Northwind ${stamp}`)
  const successor = await root.createPartner(`Northwind Holdings ${stamp}`)
  const username = `nw${stamp}`
  await root.adminCreateUser({ username, password: 'partner-secret-1', displayName: 'Nia from Northwind', kind: 'partner', partnerOrgId: org.id })

  const page = await signIn(adminUser(), '#/admin/partners')
  const row = page.locator(`[data-testid=partners] li[data-partner="${org.id}"]`)
  await row.locator('button:has-text("Rename")').click()
  await answerPrompt(page, `Northwind Traders ${stamp}`)
  await page.waitForSelector(`[data-testid=partners] li[data-partner="${org.id}"]:has-text("Northwind Traders ${stamp}")`)
  expect((await root.partners()).find(p => p.id === org.id)?.name).toBe(`Northwind Traders ${stamp}`)

  // Refused while the user belongs to it: the server's message names the user, and the row stays.
  await row.locator('button:has-text("Delete")').click()
  await page.waitForSelector(`.toast.bad:has-text("${username}")`)
  expect(await row.count()).toBe(1)

  await root.adminUpdateUser(username, { partnerOrgId: successor.id })
  await row.locator('button:has-text("Delete")').click()
  await row.waitFor({ state: 'detached' })
  expect((await root.partners()).map(p => p.id)).not.toContain(org.id)
  expect(await page.locator(`[data-testid=partners] li[data-partner="${successor.id}"]`).count()).toBe(1)
})

it('switching the language to Chinese changes the UI at once and is remembered', { timeout: 60_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const { spaceId, pageIds: [pageId] } = await newSpaceWithPages(ana, '产品手册', ['入门指南', '常见问题'])
  const page = await signIn(ana, `#/space/${spaceId}/page/${pageId}`)
  await typeInEditor(page, '欢迎使用产品手册。请先阅读入门指南。')
  expect(await page.textContent('button:has-text("Sign out")')).toBe('Sign out')
  await page.selectOption('[data-testid=language]', 'zh')
  await page.waitForSelector('button:has-text("退出")')
  expect(await page.textContent('.sidebar-heading')).toContain('空间')
  expect(await page.getAttribute('input[name=q]', 'placeholder')).toBe('搜索页面')
  expect(await page.textContent('[data-testid=share]')).toBe('共享')
  // The open page survives the switch: same editor, still online.
  await page.waitForSelector('[data-testid=state][data-kind=good]')
  expect(await page.textContent('.tiptap')).toContain('欢迎使用产品手册')
  await screenshot(page, 'app-chinese.png')
  await page.reload()
  await page.waitForSelector('button:has-text("退出")')
})

it('pages move through the "Move to" dialog, go to the trash and come back from it', { timeout: 60_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const { spaceId } = await newSpaceWithPages(ana, 'Projects', ['Apollo', 'Gemini', 'Mercury'])
  const page = await signIn(ana, `#/space/${spaceId}`)
  await page.waitForSelector('[data-testid=tree-page]:has-text("Mercury")')

  // Mercury goes under Apollo, first.
  await page.hover('.node-row:has-text("Mercury")')
  await page.click('.node-row:has-text("Mercury") details.menu summary')
  await page.click('.node-row:has-text("Mercury") button:has-text("Move to…")')
  const dialog = page.locator('[data-testid=move-dialog]')
  await dialog.locator('select[name=parent]').selectOption({ label: '\u00a0\u00a0Apollo' })
  await dialog.locator('select[name=position]').selectOption('0')
  await dialog.locator('button[type=submit]').click()
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')]
    .map(a => a.textContent).join('|') === 'Apollo|Gemini')
  const tree = await ana.api.spaceTree(spaceId)
  const byTitle = new Map(tree.pages.map(p => [p.title, p]))
  expect(byTitle.get('Mercury')?.parentId).toBe(byTitle.get('Apollo')?.id)

  // Drag and drop: Gemini dropped onto the middle of Apollo becomes its last child.
  await page.dragAndDrop('.node-row:has-text("Gemini")', '.node-row:has-text("Apollo")')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')]
    .map(a => a.textContent).join('|') === 'Apollo')
  expect(await treeTitles(page)).toEqual(['Apollo', 'Mercury', 'Gemini'])
  // …and dropped onto the lower edge of Apollo it comes back to the top level, after Apollo.
  const apollo = await page.locator('.node-row:has-text("Apollo")').first().boundingBox()
  await page.dragAndDrop('.node-row:has-text("Gemini")', '.node-row:has-text("Apollo")', { targetPosition: { x: 40, y: apollo!.height - 2 } })
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')]
    .map(a => a.textContent).join('|') === 'Apollo|Gemini')
  // …and, with Gemini the last row again (under Apollo), Mercury dropped on the empty part of the tree below the rows
  // goes to the end of the top level (not beside Gemini).
  await page.dragAndDrop('.node-row:has-text("Gemini")', '.node-row:has-text("Apollo")')
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')]
    .map(a => a.textContent).join('|') === 'Apollo')
  expect(await treeTitles(page)).toEqual(['Apollo', 'Mercury', 'Gemini'])
  const treeBox = await page.locator('[data-testid=tree]').boundingBox()
  await page.dragAndDrop('.node-row:has-text("Mercury")', '[data-testid=tree]', { targetPosition: { x: 40, y: treeBox!.height - 4 } })
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=tree] > li > .node-row [data-testid=tree-page]')]
    .map(a => a.textContent).join('|') === 'Apollo|Mercury')

  // Gemini to the trash, then restored from the trash view.
  await page.hover('.node-row:has-text("Gemini")')
  await page.click('.node-row:has-text("Gemini") details.menu summary')
  await page.click('.node-row:has-text("Gemini") button:has-text("Move to trash")')
  await page.click('dialog[open] button.danger')
  await page.waitForFunction(() => ![...document.querySelectorAll('[data-testid=tree-page]')].some(a => a.textContent === 'Gemini'))
  await page.click('.space-actions a:has-text("Trash")')
  await page.waitForSelector('[data-testid=trash] li:has-text("Gemini")')
  await page.click('[data-testid=trash] li:has-text("Gemini") button:has-text("Restore")')
  await page.waitForSelector('[data-testid=tree-page]:has-text("Gemini")')
  await page.waitForSelector('[data-testid=trash] li:has-text("The trash is empty.")')
})

it('a password-protected link asks for its password and refuses a wrong one', { timeout: 60_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const { pageIds: [pageId] } = await newSpaceWithPages(ana, 'Sales', ['Price list'])
  const link = await ana.api.createLink(pageId, { scope: 'anyone', role: 'comment', password: 'open-sesame' })
  // The server hands out the link route with the token in the fragment; the `/#/link/` form of links sent before
  // still opens (below), and keeps its token out of the path.
  expect(link.url).toBe(`/link#${encodeURIComponent(link.token)}`)
  const outsider = await (await newContext()).newPage()
  await outsider.goto(`${serverUrl()}/#/link/${encodeURIComponent(link.token)}`)
  expect(new URL(outsider.url()).pathname).toBe('/link')
  await outsider.waitForSelector('[data-testid=link-password]')
  await outsider.fill('input[name=linkPassword]', 'wrong-guess')
  await outsider.click('[data-testid=link-password] button[type=submit]')
  await outsider.waitForSelector('[data-testid=link-password] [role=alert]:has-text("password is wrong")')
  await outsider.fill('input[name=linkPassword]', 'open-sesame')
  await outsider.click('[data-testid=link-password] button[type=submit]')
  await outsider.waitForSelector('[data-testid=state][data-kind=good]', { timeout: 15_000 })
  expect(await outsider.textContent('[data-testid=page-title]')).toBe('Price list')

  // Revoking the link closes the page for its holder.
  await ana.api.revokeLink(link.id)
  await outsider.waitForSelector('[data-testid=revoked]', { timeout: 5_000 })
})

it('the admin page unlocks an account locked by failed sign-ins', { timeout: 60_000 }, async () => {
  const cam = await createUser('cam', 'Cam Reyes')
  const anonymous = new Api(serverUrl())
  const attempts: number[] = []
  for (let i = 0; i < 5; i++) attempts.push(await anonymous.login(cam.username, `wrong-${i}`).then(() => 200, (e: ApiError) => e.status))
  expect(attempts).toEqual([401, 401, 401, 401, 429])
  await expect(anonymous.login(cam.username, cam.password)).rejects.toMatchObject({ status: 429 })

  const page = await signIn(adminUser(), '#/admin/users')
  await page.locator(`[data-testid=users] tr[data-username="${cam.username}"] [data-testid=unlock]`).click()
  await page.waitForSelector(`text=Sign-in for ${cam.username} is unlocked.`)
  expect(await anonymous.login(cam.username, cam.password)).toBeTruthy()
  await page.context().close()
})

it('the admin page shows the audit log, previews a user, builds departments, sets the policy and deactivates a user', { timeout: 60_000 }, async () => {
  const ana = await createUser('ana', 'Ana Lima')
  const ben = await createUser('ben', 'Ben Okafor')
  const { spaceId, pageIds: [, hiddenId] } = await newSpaceWithPages(ana, 'Finance', ['Budget', 'Payroll'])
  await ana.api.addGrant(spaceId, `user:${ben.username}`, 'view')
  await ana.api.updateSettings(hiddenId, { restricted: true })

  const page = await signIn(adminUser(), '#/admin/audit')
  await page.fill('input[name=action]', 'access.grant-added')
  await page.fill('input[name=actor]', ana.username)
  await page.click('.admin-panel form button[type=submit]')
  await page.waitForSelector(`[data-testid=audit] tr:has-text("${spaceId}")`)

  await page.click('a[href="/admin/preview"]')
  await page.locator('select[name=previewUser]').selectOption(ben.username)
  await page.click('.admin-panel form button[type=submit]')
  await page.waitForSelector('[data-testid=preview] li:has-text("Budget")')
  expect(await page.locator('[data-testid=preview] li:has-text("Payroll")').count()).toBe(0)

  // A department with a sub-department, shown as a tree.
  const top = `Engineering ${Date.now().toString(36)}`
  await page.click('a[href="/admin/departments"]')
  await page.fill('input[name=departmentName]', top)
  await page.click('.admin-panel form button[type=submit]')
  await page.waitForSelector(`.dept-tree li:has-text("${top}")`)
  await page.fill('input[name=departmentName]', 'Platform team')
  await page.locator('select[name=parent]').selectOption({ label: top })
  await page.click('.admin-panel form button[type=submit]')
  await page.waitForSelector(`.dept-tree li:has-text("${top}") .dept-tree li:has-text("Platform team")`)

  // Policy: external sharing off, saved, then back on (other tests share the server).
  const root = await admin()
  await page.click('a[href="/admin/policy"]')
  await page.check('input[name=externalSharing][value=off]')
  await page.click('.admin-panel form button[type=submit]')
  await expect.poll(async () => (await root.policy()).externalSharing).toBe('off')
  await page.reload()
  await page.waitForSelector('input[name=externalSharing][value=off]:checked')
  await page.check('input[name=externalSharing][value=on]')
  await page.click('.admin-panel form button[type=submit]')
  await expect.poll(async () => (await root.policy()).externalSharing).toBe('on')

  await page.click('a[href="/admin/users"]')
  const row = page.locator(`[data-testid=users] tr[data-username="${ben.username}"]`)
  await row.locator('button:has-text("Deactivate")').click()
  await page.waitForSelector(`[data-testid=users] tr[data-username="${ben.username}"] .badge:has-text("Deactivated")`)
  await expect(ben.api.spaces()).rejects.toMatchObject({ status: 401 })
})
