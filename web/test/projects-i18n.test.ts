// The project views' catalogs: English and Chinese cover the same keys, every key the views ask for exists, and the
// keys built from server values (statuses, priorities, roles, refusal codes, events, metrics) are all there.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { language, setLanguage, t } from '../src/i18n'
import '../src/i18n/projects'

const source = readFileSync(resolve(import.meta.dirname, '..', 'src', 'i18n', 'projects.ts'), 'utf8')
const viewsDir = resolve(import.meta.dirname, '..', 'src', 'app', 'projects')

function keys(lang: 'en' | 'zh'): Set<string> {
  const block = source.split(lang === 'en' ? 'const en: Messages = {' : 'const zh: Messages = {')[1].split('\n}\n')[0]
  return new Set([...block.matchAll(/^\s*'([^']+)':/gm)].map(m => m[1]))
}

it('English and Chinese have the same keys', () => {
  const en = keys('en')
  const zh = keys('zh')
  expect(en.size).toBeGreaterThan(80)
  expect([...en].filter(k => !zh.has(k))).toEqual([])
  expect([...zh].filter(k => !en.has(k))).toEqual([])
})

it('every key the views ask for exists, literal or built from a server value', () => {
  const en = keys('en')
  const used = new Set<string>()
  for (const file of readdirSync(viewsDir).filter(f => /\.tsx?$/.test(f))) {
    for (const match of readFileSync(join(viewsDir, file), 'utf8').matchAll(/\bt\('(projects\.[^']+)'/g)) used.add(match[1])
  }
  expect(used.size).toBeGreaterThan(50)
  const families: Record<string, string[]> = {
    'projects.status.': ['not_started', 'in_progress', 'blocked', 'done', 'skipped'],
    'projects.priority.': ['low', 'medium', 'high', 'urgent'],
    'projects.role.': ['admin', 'member', 'viewer'],
    'projects.error.': ['not-owner', 'not-admin', 'read-only', 'predecessors-pending', 'invalid-transition', 'unknown-item', 'unknown-node', 'invalid', 'dependency-cycle'],
    'projects.action.': ['start', 'complete', 'rollback', 'block', 'skip'],
    'projects.reason.': ['rollback', 'block', 'skip'],
    'projects.event.': ['item.created', 'item.status_changed', 'item.field_changed', 'node.started', 'node.completed', 'node.rolled_back', 'node.status_changed'],
    'projects.metrics.': ['delivered', 'onTimeRate', 'delayRate', 'averageDelay', 'overdueNow', 'reschedules', 'cycleTime', 'leadTime', 'defectsPerDelivered', 'rollBacks'],
  }
  for (const [prefix, values] of Object.entries(families)) for (const value of values) used.add(prefix + value)
  expect([...used].filter(k => !en.has(k))).toEqual([])
})

it('the language switch reaches the project strings', () => {
  const before = language()
  setLanguage('zh')
  expect(t('projects.status.in_progress')).toBe('进行中')
  expect(t('projects.error.predecessors-pending')).toBe('此节点之前的节点尚未完成。')
  setLanguage('en')
  expect(t('projects.metrics.days', { n: 2 })).toBe('2 d')
  setLanguage(before)
})
