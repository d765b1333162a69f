// The notification centre's and the mention picker's catalogs: both languages complete, every key the code asks for present.
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { expect, it } from 'vitest'
import { i18n, setLanguage, language, t } from '../src/i18n'
import '../src/app/notifications/messages'

const src = resolve(import.meta.dirname, '..', 'src')
const files = [resolve(src, 'app', 'notifications', 'NotificationBell.tsx'), resolve(src, 'editor', 'mention.ts')]
const pluralSuffix = /_(zero|one|two|few|many|other)$/

function keys(locale: string): Set<string> {
  const bundle = i18n.getResourceBundle(locale, 'translation') as Record<string, string>
  return new Set(Object.keys(bundle).filter(k => k.startsWith('notify.')).map(k => k.replace(pluralSuffix, '')))
}

it('English and Chinese have the same notification keys, and every key used is there', () => {
  const en = keys('en')
  const zh = keys('zh-CN')
  expect(en.size).toBeGreaterThan(20)
  expect([...en].filter(k => !zh.has(k))).toEqual([])
  expect([...zh].filter(k => !en.has(k))).toEqual([])
  const used = new Set<string>()
  for (const file of files) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bt\('(notify\.[^']+)'/g)) used.add(match[1])
  }
  // Kinds are looked up by name (`notify.kind.<kind>`, `notify.text.<kind>`).
  for (const kind of ['mention', 'reply', 'share', 'assignment', 'node-ready', 'status']) used.add(`notify.kind.${kind}`).add(`notify.text.${kind}`)
  expect(used.size).toBeGreaterThan(15)
  expect([...used].filter(k => !en.has(k))).toEqual([])
})

it('the texts follow the language, with plurals', () => {
  const before = language()
  setLanguage('en')
  expect(t('notify.bell.unread', { count: 2 })).toBe('2 unread notifications')
  expect(t('notify.text.mention', { actor: 'Ana', title: 'Plan' })).toBe('Ana mentioned you in Plan')
  setLanguage('zh')
  expect(t('notify.text.mention', { actor: 'Ana', title: 'Plan' })).toBe('Ana 在《Plan》中提及了你')
  setLanguage(before)
})

it('the project kinds have their own labels and texts in both languages', () => {
  const before = language()
  setLanguage('en')
  expect(t('notify.kind.node-ready')).toBe('My project steps ready to start')
  expect(t('notify.text.assignment', { actor: 'Ana', title: 'Apollo' })).toBe('Ana assigned you work in Apollo')
  setLanguage('zh')
  expect(t('notify.kind.node-ready')).toBe('我的项目环节可以开始')
  expect(t('notify.text.assignment', { actor: 'Ana', title: 'Apollo' })).toBe('Ana 在《Apollo》中给你分配了工作')
  expect(t('notify.text.status', { actor: 'Ana', title: 'Apollo' })).toBe('Ana 更新了你在《Apollo》中的事项状态')
  setLanguage(before)
})
