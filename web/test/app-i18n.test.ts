// The shell's two catalogs must cover the same keys, and every key the shell's code asks for must exist.
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { expect, it } from 'vitest'
import { formatDateTime, formatNumber, language, setLanguage, t } from '../src/i18n'
import '../src/i18n/app'

const appDir = resolve(import.meta.dirname, '..', 'src', 'app')
// A plural message is one key per plural category of the language (Intl.PluralRules): `key_one`, `key_other`.
const pluralSuffix = /_(zero|one|two|few|many|other)$/

function catalogKeys(lang: 'en' | 'zh'): Set<string> {
  const source = readFileSync(resolve(import.meta.dirname, '..', 'src', 'i18n', 'app.ts'), 'utf8')
  const block = source.split(lang === 'en' ? 'const en: Messages = {' : 'const zh: Messages = {')[1].split('\n}\n')[0]
  return new Set([...block.matchAll(/^\s*'([^']+)':/gm)].map(m => m[1].replace(pluralSuffix, '')))
}

it('English and Chinese catalogs have the same keys', () => {
  const en = catalogKeys('en')
  const zh = catalogKeys('zh')
  expect(en.size).toBeGreaterThan(100)
  expect([...en].filter(k => !zh.has(k))).toEqual([])
  expect([...zh].filter(k => !en.has(k))).toEqual([])
})

it('every literal key used by the shell is in the catalog', () => {
  const en = catalogKeys('en')
  const files = [...readdirSync(appDir, { recursive: true, encoding: 'utf8' }).filter(f => /\.tsx?$/.test(f)).map(f => join(appDir, f)), resolve(appDir, '..', 'main.tsx')]
  const used = new Set<string>()
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bt\('(app\.[^']+)'/g)) used.add(match[1])
  }
  expect(used.size).toBeGreaterThan(100)
  expect([...used].filter(k => !en.has(k))).toEqual([])
})

it('t() follows the language switch and fills placeholders', () => {
  const before = language()
  setLanguage('en')
  expect(t('app.home.welcome', { name: 'Ana' })).toBe('Welcome, Ana')
  setLanguage('zh')
  expect(t('app.home.welcome', { name: 'Ana' })).toBe('欢迎，Ana')
  expect(t('app.signOut')).toBe('退出')
  setLanguage(before)
})

it('plurals, dates and numbers follow the language', () => {
  const before = language()
  setLanguage('en')
  expect(t('app.access.hiddenEmployees', { count: 1 })).toBe('1 employee')
  expect(t('app.access.hiddenEmployees', { count: 3 })).toBe('3 employees')
  expect(formatNumber(12345.5)).toBe('12,345.5')
  expect(formatDateTime('2026-03-04T05:06:00Z')).toMatch(/Mar 4, 2026/)
  setLanguage('zh')
  expect(t('app.access.hiddenEmployees', { count: 1 })).toBe('1 名员工')
  expect(t('app.access.hiddenEmployees', { count: 3 })).toBe('3 名员工')
  expect(formatDateTime('2026-03-04T05:06:00Z')).toMatch(/2026年3月4日/)
  setLanguage(before)
})

it('a placeholder without its parameter stays visible', () => {
  setLanguage('en')
  expect(t('app.home.welcome')).toBe('Welcome, {name}')
})
