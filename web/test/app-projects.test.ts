// The project views in Chromium (issue 14): a card dragged on one person's board moves on another's without a reload,
// a refused move says why, the board in Chinese, and a dashboard whose numbers equal a seeded project computed by
// hand.
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

async function newProject(owner: TestUser, name: string, timeZone = 'UTC'): Promise<string> {
  return (await owner.api.call('post', '/api/projects', { body: { name, timeZone } })).id
}

async function newItem(owner: TestUser, id: string, title: string, type: string): Promise<string> {
  return (await owner.api.call('post', '/api/projects/{id}/items', { path: { id }, body: { title, type } })).id
}

async function step(user: TestUser, id: string, itemId: string, key: string, action: 'start' | 'complete' | 'rollback'): Promise<void> {
  const path = { id, itemId, key }
  if (action === 'start') await user.api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/start', { path, body: {} })
  else if (action === 'complete') await user.api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/complete', { path })
  else await user.api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/rollback', { path, body: { reason: 'not right yet' } })
}

const card = (itemId: string) => `[data-testid=card][data-item-id="${itemId}"]`
const column = (key: string) => `[data-testid=column][data-column="${key}"]`

it('a card dragged on one board moves on the other without a reload; a refused move says why', { timeout: 90_000 }, async () => {
  const ana = await createUser('pana', 'Ana Lima')
  const ben = await createUser('pben', 'Ben Okafor')
  const projectId = await newProject(ana, 'Apollo')
  await ana.api.call('put', '/api/projects/{id}/members/{username}', { path: { id: projectId, username: ben.username }, body: { role: 'member' } })
  const itemId = await newItem(ana, projectId, 'Checkout page', 'task')
  await ana.api.call('patch', '/api/projects/{id}/items/{itemId}', { path: { id: projectId, itemId }, body: { assignees: [ben.username], priority: 'high' } })

  const anaPage = await signIn(ana, '/')
  // The project is in the navigation; it opens its board.
  await anaPage.click(`[data-testid=projects] a:has-text("Apollo")`)
  await anaPage.waitForSelector(`${column('not_started')} ${card(itemId)}`)
  const benPage = await signIn(ben, `/project/${projectId}`)
  await benPage.waitForSelector(`${column('not_started')} ${card(itemId)}`)

  // Ana (the project's admin) drags the card to "In progress": its first node starts, and Ben's board follows.
  await anaPage.dragAndDrop(card(itemId), column('in_progress'))
  await anaPage.waitForSelector(`${column('in_progress')} ${card(itemId)}`)
  await benPage.waitForSelector(`${column('in_progress')} ${card(itemId)}`, { timeout: 10_000 })
  expect(await benPage.locator(`${column('not_started')} ${card(itemId)}`).count()).toBe(0)

  // Ben owns no node of it (no functional role): completing it is refused, and the toast says why.
  await benPage.dragAndDrop(card(itemId), column('done'))
  await benPage.waitForSelector('.toast:has-text("Only the node’s owner or a project admin can do that.")')
  expect(await benPage.locator(`${column('in_progress')} ${card(itemId)}`).count()).toBe(1)

  // Filters and swimlanes: a lane per assignee; filtering by another priority hides the card.
  await benPage.check('[data-testid=swimlanes]')
  await benPage.waitForSelector(`[data-testid=lane][data-lane="${ben.username}"]`)
  await benPage.selectOption('[data-testid=filter-priority]', 'low')
  await benPage.waitForSelector(card(itemId), { state: 'detached' })
  await benPage.selectOption('[data-testid=filter-priority]', '')
  await benPage.waitForSelector(card(itemId))

  // The item panel: the nodes with their status and the recorded history; Ana completes the node there.
  await anaPage.click(`${card(itemId)} a`)
  await anaPage.waitForSelector('[data-testid=item-panel] [data-node=plan] [data-testid=node-status]:has-text("In progress")')
  await anaPage.waitForSelector('[data-testid=history] li:has-text("started plan")')
  await anaPage.click('[data-testid=item-panel] [data-node=plan] button[data-action=complete]')
  await anaPage.waitForSelector('[data-testid=item-panel] [data-node=plan] [data-testid=node-status]:has-text("Done")')
  await anaPage.waitForSelector('[data-testid=history] li:has-text("completed plan")')
})

it('the board in Chinese', { timeout: 60_000 }, async () => {
  const li = await createUser('pli', '李娜')
  const projectId = await newProject(li, '阿波罗')
  const itemId = await newItem(li, projectId, '结账页面', 'requirement')
  const page = await signIn(li, `/project/${projectId}`, 'zh-CN')
  await page.waitForSelector(card(itemId))
  expect(await page.textContent('.projects-nav .sidebar-heading')).toContain('项目')
  const titles = await page.locator('.column-title').allTextContents()
  expect(titles.map(title => title.replace(/\s*\d+$/, ''))).toEqual(['未开始', '进行中', '受阻', '已完成'])
  expect(await page.textContent('.tabs')).toBe('看板甘特图仪表盘')
  expect(await page.textContent(`${card(itemId)} .card-meta`)).toContain('中')
  await page.selectOption('[data-testid=group-by]', 'node')
  const nodes = await page.locator('.column-title').allTextContents()
  expect(nodes.length).toBe(6) // design, frontend, backend, test, release, done
  expect(nodes.at(-1)).toMatch(/^已完成/)
})

it('the dashboard shows the numbers of a seeded project computed by hand', { timeout: 90_000 }, async () => {
  const pm = await createUser('ppm', 'Pia Meyer')
  const projectId = await newProject(pm, 'Metrics')
  await pm.api.call('put', '/api/projects/{id}/types/{type}', { path: { id: projectId, type: 'quick' }, body: { name: 'Quick', nodes: [{ key: 'do', name: 'Do' }] } })
  const day = (offset: number) => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10)
  const patch = (itemId: string, body: Record<string, unknown>) => pm.api.call('patch', '/api/projects/{id}/items/{itemId}', { path: { id: projectId, itemId }, body })
  const a = await newItem(pm, projectId, 'A on time', 'quick')
  const b = await newItem(pm, projectId, 'B late', 'quick')
  const c = await newItem(pm, projectId, 'C overdue', 'quick')
  await newItem(pm, projectId, 'D defect', 'defect')
  await patch(a, { plannedEnd: day(3) })
  await patch(b, { plannedEnd: day(-3) })
  await patch(b, { plannedEnd: day(-2) }) // the one reschedule
  await patch(c, { plannedEnd: day(-1) })
  await step(pm, projectId, a, 'do', 'start')
  await step(pm, projectId, a, 'do', 'complete')
  await step(pm, projectId, b, 'do', 'start')
  await step(pm, projectId, b, 'do', 'complete')
  await step(pm, projectId, b, 'do', 'rollback') // the one roll-back
  await step(pm, projectId, b, 'do', 'complete')

  const page = await signIn(pm, `/project/${projectId}`)
  await page.click('[data-testid=dashboard-tab]')
  await page.waitForSelector('[data-testid=dashboard]')
  const tile = async (key: string) => (await page.textContent(`[data-testid=metric-${key}] dd`))?.trim()
  // Delivered: A and B of four items; of the two with a plan, A was on time and B two days late; C is overdue;
  // one defect per two delivered non-defects.
  expect(await tile('delivered')).toBe('2 / 4')
  expect(await tile('onTimeRate')).toBe('50%')
  expect(await tile('delayRate')).toBe('50%')
  expect(await tile('averageDelay')).toBe('2 d')
  expect(await tile('overdueNow')).toBe('1')
  expect(await tile('reschedules')).toBe('1')
  expect(await tile('rollBacks')).toBe('1')
  expect(await tile('defectsPerDelivered')).toBe('0.5')
  // The charts are drawn by ECharts.
  await page.waitForSelector('[data-testid=chart-throughput] canvas')
  await page.waitForSelector('[data-testid=chart-workload] canvas')

  // The dashboard follows the board: C delivered now (late by a day) changes the numbers without a reload.
  await step(pm, projectId, c, 'do', 'start')
  await step(pm, projectId, c, 'do', 'complete')
  await page.waitForFunction(() => document.querySelector('[data-testid=metric-delivered] dd')?.textContent === '3 / 4', undefined, { timeout: 10_000 })
  expect(await tile('overdueNow')).toBe('0')
  expect(await tile('averageDelay')).toBe('1.5 d')
})

it('the Gantt draws dependencies and the critical path, and dragging a bar reschedules it and moves its dependants', { timeout: 90_000 }, async () => {
  const pm = await createUser('pgantt', 'Gao Ming')
  const projectId = await newProject(pm, 'Timeline')
  const dated = async (title: string, plannedStart: string, plannedEnd: string) => {
    const itemId = await newItem(pm, projectId, title, 'task')
    await pm.api.call('patch', '/api/projects/{id}/items/{itemId}', { path: { id: projectId, itemId }, body: { plannedStart, plannedEnd } })
    return itemId
  }
  const a = await dated('Design', '2027-03-01', '2027-03-02')
  const b = await dated('Build', '2027-03-04', '2027-03-05')
  const c = await dated('Brochure', '2027-03-01', '2027-03-01')
  // Build starts at the earliest one day after the day after Design ends: no slack, so both are critical.
  await pm.api.call('put', '/api/projects/{id}/items/{itemId}/dependencies/{predecessorId}', { path: { id: projectId, itemId: b, predecessorId: a }, body: { lag: 1 } })

  const page = await signIn(pm, `/project/${projectId}`)
  await page.click('[data-testid=gantt-tab]')
  const bar = (id: string) => `[data-testid=gantt-bar][data-item-id="${id}"]`
  await page.waitForSelector(bar(b))
  expect(await page.locator('[data-testid=gantt-arrow]').count()).toBe(1)
  expect(await page.getAttribute(bar(a), 'class')).toContain('critical')
  expect(await page.getAttribute(bar(b), 'class')).toContain('critical')
  expect(await page.getAttribute(bar(c), 'class')).not.toContain('critical')

  // Drag Design two days later: it is rescheduled, and the server moves Build as far as the dependency needs.
  const box = (await page.locator(bar(a)).boundingBox())!
  await page.mouse.move(box.x + 10, box.y + box.height / 2)
  await page.mouse.down()
  await page.mouse.move(box.x + 10 + 2 * 28 + 3, box.y + box.height / 2, { steps: 6 })
  await page.mouse.up()
  await page.waitForSelector(`${bar(a)}[data-start="2027-03-03"][data-end="2027-03-04"]`)
  await page.waitForSelector(`${bar(b)}[data-start="2027-03-06"][data-end="2027-03-07"]`, { timeout: 10_000 })
  expect(await page.getAttribute(bar(c), 'data-start')).toBe('2027-03-01')
  const build = await pm.api.call('get', '/api/projects/{id}/items/{itemId}', { path: { id: projectId, itemId: b } })
  expect([build.plannedStart, build.plannedEnd]).toEqual(['2027-03-06', '2027-03-07'])
})

it('the workload view adds up planned hours per person and day across projects and marks days over capacity', { timeout: 60_000 }, async () => {
  const lead = await createUser('pload', 'Lena Wu')
  const quick = async (name: string, plannedStart: string, plannedEnd: string, estimate: number) => {
    const projectId = await newProject(lead, name)
    await lead.api.call('put', '/api/projects/{id}/types/{type}', { path: { id: projectId, type: 'quick' }, body: { name: 'Quick', nodes: [{ key: 'do', name: 'Do' }] } })
    const itemId = await newItem(lead, projectId, `${name} work`, 'quick')
    await lead.api.call('patch', '/api/projects/{id}/items/{itemId}/nodes/{key}', { path: { id: projectId, itemId, key: 'do' }, body: { owners: [lead.username], plannedStart, plannedEnd, estimate } })
  }
  // 20 h over Monday to Friday: 4 h a day; 12 h over Wednesday and Thursday in another project: 6 h a day.
  await quick('North', '2027-03-01', '2027-03-05', 20)
  await quick('South', '2027-03-03', '2027-03-04', 12)
  const page = await signIn(lead, '/')
  await page.click('[data-testid=workload-link]')
  await page.goto(`${serverUrl()}/workload?from=2027-03-01`)
  const cell = (day: string) => `[data-testid=workload] tr[data-person="${lead.username}"] td[data-day="${day}"]`
  await page.waitForSelector(cell('2027-03-01'))
  const hours = await Promise.all(['2027-03-01', '2027-03-02', '2027-03-03', '2027-03-04', '2027-03-05', '2027-03-06'].map(day => page.textContent(cell(day))))
  expect(hours).toEqual(['4', '4', '10', '10', '4', ''])
  expect(await page.getAttribute(cell('2027-03-03'), 'class')).toBe('over')
  expect(await page.getAttribute(cell('2027-03-01'), 'class')).toBe('busy')
})
