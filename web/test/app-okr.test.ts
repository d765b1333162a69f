// The OKR views in Chromium (issue 15): a check-in by one person moves the progress bar another person is watching,
// without a reload, and the description is co-edited live; the objective page in Chinese; the company alignment graph
// draws objectives, key results and alignments.
import { afterAll, beforeAll, expect, inject, it } from 'vitest'
import { type Browser, type BrowserContext, type Page } from 'playwright-core'
import { launchChromium } from './editorSupport'
import { admin, createUser, serverUrl, type TestUser } from './harness'

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

async function signIn(user: TestUser, path: string, locale = 'en-US'): Promise<Page> {
  const context = await browser!.newContext({ viewport: { width: 1400, height: 800 }, locale })
  contexts.push(context)
  const page = await context.newPage()
  await page.goto(`${serverUrl()}/`)
  await page.fill('input[name=username]', user.username)
  await page.fill('input[name=password]', user.password)
  await page.click('button[type=submit]')
  await page.waitForSelector('[data-testid=me]')
  await page.goto(`${serverUrl()}${path}`)
  return page
}

/** An active cycle from today for 90 days (so a fresh objective is on track). */
async function activeCycle(name: string): Promise<string> {
  const api = await admin()
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
  const { id } = await api.call('post', '/api/okr/cycles', { body: { name, start: day(0), end: day(90), kind: 'quarter' } })
  await api.call('patch', '/api/okr/cycles/{id}', { path: { id }, body: { status: 'active' } })
  return id
}

async function newObjective(owner: TestUser, cycleId: string, title: string): Promise<string> {
  return (await owner.api.call('post', '/api/okr/objectives', { body: { cycleId, title } })).id
}

async function newKeyResult(owner: TestUser, objectiveId: string, title: string, start: number, target: number): Promise<string> {
  return (await owner.api.call('post', '/api/okr/objectives/{id}/key-results', { path: { id: objectiveId }, body: { title, start, target } })).id
}

const progressOf = async (page: Page, selector: string) => Number(await page.getAttribute(selector, 'aria-valuenow'))

it('a check-in by one person moves the progress bar another is watching', { timeout: 90_000 }, async () => {
  const ana = await createUser('oana', 'Ana Lima')
  const ben = await createUser('oben', 'Ben Okafor')
  const cycleId = await activeCycle('Q-live')
  const objectiveId = await newObjective(ana, cycleId, 'Delight customers')
  const krId = await newKeyResult(ana, objectiveId, 'NPS', 0, 40)
  await newKeyResult(ana, objectiveId, 'Churn', 10, 5)

  // Ana finds the objective under "My OKRs" in the navigation, with its bar and status, and opens it.
  const anaPage = await signIn(ana, '/')
  await anaPage.click('[data-testid=okr-link]')
  await anaPage.selectOption('[data-testid=okr-cycle]', cycleId)
  const row = `[data-testid=okr-list] li[data-objective-id="${objectiveId}"]`
  await anaPage.waitForSelector(`${row} [data-testid=okr-status]:has-text("On track")`)
  expect(await progressOf(anaPage, `${row} [role=progressbar]`)).toBe(0)
  await anaPage.click(`${row} a`)
  await anaPage.waitForSelector('[data-testid=objective-title]:has-text("Delight customers")')

  // Ben (a colleague; the objective is visible to everyone) watches the same page.
  const benPage = await signIn(ben, `/okr/objective/${objectiveId}`)
  await benPage.waitForSelector(`[data-kr-id="${krId}"] [data-testid=kr-progress][aria-valuenow="0"]`)
  expect(await benPage.locator('[data-testid=check-in-open]').count()).toBe(0) // a viewer cannot check in
  expect(await benPage.textContent('[data-testid=objective-owners]')).toBe(ana.username)

  // The description is co-edited live: Ana (an owner) writes, Ben (a viewer) reads it without a reload.
  await anaPage.click('[data-testid=objective-description] .ProseMirror')
  await anaPage.keyboard.type('Customers recommend us.')
  await benPage.waitForSelector('[data-testid=objective-description] .ProseMirror:has-text("Customers recommend us.")', { timeout: 10_000 })
  expect(await benPage.getAttribute('[data-testid=objective-description] .ProseMirror', 'contenteditable')).toBe('false')

  // Ana checks in 20 of 40 on NPS with the form; Ben's bars move: the KR to 50 %, the objective to 25 % (two equal KRs).
  await anaPage.click(`[data-kr-id="${krId}"] [data-testid=check-in-open]`)
  await anaPage.fill('[data-testid=check-in-form] input[name=value]', '20')
  await anaPage.fill('[data-testid=check-in-form] input[name=confidence]', '8')
  await anaPage.fill('[data-testid=check-in-form] input[name=note]', 'survey in')
  await anaPage.click('[data-testid=check-in-form] button[type=submit]')
  await benPage.waitForSelector(`[data-kr-id="${krId}"] [data-testid=kr-progress][aria-valuenow="50"]`, { timeout: 10_000 })
  await benPage.waitForSelector('[data-testid=objective-progress][aria-valuenow="25"]', { timeout: 10_000 })
  expect(await benPage.textContent('[data-testid=objective-progress]')).toBe('25%')

  // The check-in is in Ana's history with its confidence and note.
  await anaPage.click(`[data-kr-id="${krId}"] details summary`)
  await anaPage.waitForSelector(`[data-kr-id="${krId}"] [data-testid=check-in-history] td:has-text("survey in")`)
  const cells = await anaPage.locator(`[data-kr-id="${krId}"] [data-testid=check-in-history] tbody tr:first-child td`).allTextContents()
  expect(cells.slice(1)).toEqual([ana.username, '20', '8', 'survey in'])
})

it('the objective page in Chinese', { timeout: 60_000 }, async () => {
  const li = await createUser('oli', '李娜')
  const cycleId = await activeCycle('2026 第四季度')
  const objectiveId = await newObjective(li, cycleId, '提升客户满意度')
  await newKeyResult(li, objectiveId, '净推荐值', 0, 40)
  const page = await signIn(li, `/okr/objective/${objectiveId}`, 'zh-CN')
  await page.waitForSelector('[data-testid=objective-title]:has-text("提升客户满意度")')
  expect(await page.textContent('.okr-nav .sidebar-heading')).toBe('OKR')
  expect(await page.locator('.okr-facts dt').allTextContents()).toEqual(['负责人', '类别', '进度', '状态'])
  expect(await page.textContent('[data-testid=objective-status]')).toBe('正常')
  expect(await page.locator('.objective h2').allTextContents()).toEqual(['描述', '关键结果'])
  expect(await page.textContent('[data-testid=check-in-open]')).toBe('更新进展')
  await page.click('[data-testid=check-in-open]')
  expect(await page.locator('[data-testid=check-in-form] label').allTextContents()).toEqual(['数值 ', '信心指数（0–10） ', '备注 '])
  expect(await page.textContent('[data-testid=new-key-result] h3')).toBe('新建关键结果')
  await page.click('.okr-header a:has-text("我的 OKR")')
  await page.waitForSelector('[data-testid=okr-mine] h1:has-text("我的 OKR")')
  await page.waitForSelector(`[data-objective-id="${objectiveId}"] [data-testid=okr-status]:has-text("正常")`)
})

it('the company alignment graph draws objectives, key results and alignments', { timeout: 60_000 }, async () => {
  const ceo = await createUser('oceo', 'Chief')
  const lead = await createUser('olead', 'Lead')
  const cycleId = await activeCycle('Q-graph')
  const company = await newObjective(ceo, cycleId, 'Grow revenue')
  const team = await newObjective(lead, cycleId, 'Ship the shop')
  const kr = await newKeyResult(lead, team, 'Orders per day', 0, 100)
  await lead.api.call('post', '/api/okr/alignments', { body: { from: team, to: company } })

  const page = await signIn(lead, `/okr/graph?cycle=${cycleId}`)
  await page.waitForSelector('[data-testid=okr-graph] .react-flow__node')
  const labels = await page.locator('[data-testid=okr-graph] .react-flow__node').allTextContents()
  expect(labels.sort()).toEqual(['Grow revenue · 0%', 'Orders per day · 0%', 'Ship the shop · 0%'])
  await page.waitForSelector(`[data-testid=okr-graph] .react-flow__edge[data-id="align:${team}->${company}"]`, { state: 'attached' })
  await page.waitForSelector(`[data-testid=okr-graph] .react-flow__edge[data-id="part:${kr}"]`, { state: 'attached' })
  // The parent sits above the child.
  const top = async (id: string) => (await page.locator(`.react-flow__node[data-id="${id}"]`).boundingBox())!.y
  expect(await top(company)).toBeLessThan(await top(team))
  expect(await top(team)).toBeLessThan(await top(kr))
  // A node opens its objective.
  await page.click(`.react-flow__node[data-id="${kr}"]`)
  await page.waitForSelector('[data-testid=objective-title]:has-text("Ship the shop")')
})

it('an objective and its key results are created in the browser', { timeout: 60_000 }, async () => {
  const eve = await createUser('oeve', 'Eve')
  const cycleId = await activeCycle('Q-create')
  const page = await signIn(eve, `/okr?cycle=${cycleId}`)
  await page.waitForSelector('[data-testid=okr-mine] p:has-text("You own no objectives in this cycle yet.")')
  await page.click('[data-testid=new-objective]')
  const input = page.locator('dialog[open] input[name=value]')
  await input.fill('Faster support')
  await input.press('Enter')
  await page.waitForSelector('[data-testid=objective-title]:has-text("Faster support")')
  const objectiveId = decodeURIComponent(new URL(page.url()).pathname.split('/').at(-1)!)

  // A decreasing metric: hours to first answer, 24 → 4.
  await page.fill('[data-testid=new-key-result] input[name=title]', 'Hours to first answer')
  await page.fill('[data-testid=new-key-result] input[name=start]', '24')
  await page.fill('[data-testid=new-key-result] input[name=target]', '4')
  await page.fill('[data-testid=new-key-result] input[name=unit]', 'h')
  await page.click('[data-testid=new-key-result] button[type=submit]')
  await page.waitForSelector('[data-testid=key-results] li:has-text("Hours to first answer") [data-testid=kr-progress][aria-valuenow="0"]')
  const created = await eve.api.call('get', '/api/okr/objectives/{id}', { path: { id: objectiveId } })
  expect(created.keyResults.map(kr => [kr.title, kr.start, kr.target, kr.unit])).toEqual([['Hours to first answer', 24, 4, 'h']])

  // Checking in 14 h is half-way; the objective with one key result follows.
  await page.click('[data-testid=check-in-open]')
  await page.fill('[data-testid=check-in-form] input[name=value]', '14')
  await page.click('[data-testid=check-in-form] button[type=submit]')
  await page.waitForSelector('[data-testid=objective-progress][aria-valuenow="50"]')

  await page.goto(`${serverUrl()}/okr?cycle=${cycleId}`)
  await page.waitForSelector(`[data-objective-id="${objectiveId}"] [role=progressbar][aria-valuenow="50"]`)
})
