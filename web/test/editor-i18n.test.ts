// Every string the editor page shows has an English and a Chinese text.
import { afterEach, expect, it } from 'vitest'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import '../src/i18n/editor'
import { setLanguage, t } from '../src/i18n'

const editorDir = resolve(import.meta.dirname, '..', 'src', 'editor')

/** Literal keys passed to t() in the editor's sources, plus the keys it builds from a fixed set of names. */
function usedKeys(): string[] {
  const keys = new Set<string>()
  for (const file of readdirSync(editorDir).filter(name => name.endsWith('.ts'))) {
    const source = readFileSync(join(editorDir, file), 'utf8')
    for (const match of source.matchAll(/['`](editor\.[\w.-]*\w)['`]/g)) keys.add(match[1])
  }
  for (const role of ['owner', 'editor', 'commenter', 'viewer']) keys.add(`editor.role.${role}`)
  for (const panel of ['comments', 'history']) keys.add(`editor.panel.${panel}`)
  for (const level of [1, 2, 3]) keys.add(`editor.tool.h${level}`)
  for (const reason of ['activity', 'last-editor-left', 'closed', 'restore', 'before-restore', 'import', 'before-import']) {
    keys.add(`editor.history.reason.${reason}`)
  }
  return [...keys].sort()
}

afterEach(() => setLanguage('en'))

it('finds the editor\'s keys in its sources', () => {
  const keys = usedKeys()
  expect(keys.length).toBeGreaterThan(60)
  expect(keys).toContain('editor.state.saved')
})

it('has English and Chinese for every key the editor uses, with the same placeholders', () => {
  const missing: string[] = []
  for (const key of usedKeys()) {
    setLanguage('en')
    const english = t(key)
    setLanguage('zh')
    const chinese = t(key)
    if (english === key) missing.push(`${key} (en)`)
    if (chinese === key || chinese === english) missing.push(`${key} (zh)`)
    const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map(m => m[1]).sort().join(',')
    if (placeholders(english) !== placeholders(chinese)) missing.push(`${key} (placeholders differ)`)
  }
  expect(missing).toEqual([])
})
