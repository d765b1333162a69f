// The OKR views' catalogs: English and Chinese cover the same keys, every key the views ask for exists, and the keys
// built from server values (statuses, categories, cycle statuses) are all there.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { language, setLanguage, t } from '../src/i18n'
import '../src/i18n/okr'

const source = readFileSync(resolve(import.meta.dirname, '..', 'src', 'i18n', 'okr.ts'), 'utf8')
const viewsDir = resolve(import.meta.dirname, '..', 'src', 'app', 'okr')

function keys(lang: 'en' | 'zh'): Set<string> {
  const block = source.split(lang === 'en' ? 'const en: Messages = {' : 'const zh: Messages = {')[1].split('\n}\n')[0]
  return new Set([...block.matchAll(/^\s*'([^']+)':/gm)].map(m => m[1]))
}

it('English and Chinese have the same keys', () => {
  const en = keys('en')
  const zh = keys('zh')
  expect(en.size).toBeGreaterThan(40)
  expect([...en].filter(k => !zh.has(k))).toEqual([])
  expect([...zh].filter(k => !en.has(k))).toEqual([])
})

it('every key the views ask for exists, literal or built from a server value', () => {
  const en = keys('en')
  const used = new Set<string>()
  for (const file of readdirSync(viewsDir).filter(f => /\.tsx?$/.test(f))) {
    for (const match of readFileSync(join(viewsDir, file), 'utf8').matchAll(/\bt\('(okr\.[^']+)'/g)) used.add(match[1])
  }
  expect(used.size).toBeGreaterThan(30)
  const families: Record<string, string[]> = {
    'okr.status.': ['on_track', 'at_risk', 'off_track', 'done'],
    'okr.category.': ['committed', 'aspirational'],
    'okr.cycleStatus.': ['draft', 'active', 'closed'],
  }
  for (const [prefix, values] of Object.entries(families)) for (const value of values) used.add(prefix + value)
  expect([...used].filter(k => !en.has(k))).toEqual([])
})

it('the language switch reaches the OKR strings', () => {
  const before = language()
  setLanguage('zh')
  expect(t('okr.status.at_risk')).toBe('有风险')
  expect(t('okr.history', { n: 3 })).toBe('进展记录（3）')
  setLanguage('en')
  expect(t('okr.history', { n: 3 })).toBe('Check-ins (3)')
  setLanguage(before)
})
