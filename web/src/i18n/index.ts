// UI strings in English and Chinese. Each part of the app registers its own messages (see app.ts, editor.ts);
// `t` looks the key up in the current language, falls back to English, then to the key itself.
export type Language = 'en' | 'zh'
export type Messages = Record<string, string>

const storageKey = 'spotter.collab.language'
const catalogs: Record<Language, Messages> = { en: {}, zh: {} }
const listeners = new Set<(language: Language) => void>()

function initialLanguage(): Language {
  const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(storageKey)
  if (stored === 'en' || stored === 'zh') return stored
  const browser = typeof navigator === 'undefined' ? 'en' : navigator.language
  return browser.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

let current: Language = initialLanguage()

/** Adds messages for both languages; later registrations win for the same key. */
export function registerMessages(messages: { en: Messages; zh: Messages }): void {
  Object.assign(catalogs.en, messages.en)
  Object.assign(catalogs.zh, messages.zh)
}

/** The message for `key`, with `{name}` placeholders filled from `params`. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  const template = catalogs[current][key] ?? catalogs.en[key] ?? key
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => (name in params ? String(params[name]) : whole))
}

export function language(): Language {
  return current
}

/** Switches the UI language, remembers it, and tells listeners (who re-render). */
export function setLanguage(language: Language): void {
  if (language === current) return
  current = language
  if (typeof localStorage !== 'undefined') localStorage.setItem(storageKey, language)
  if (typeof document !== 'undefined') document.documentElement.lang = language === 'zh' ? 'zh-CN' : 'en'
  for (const listener of listeners) listener(language)
}

export function onLanguageChange(listener: (language: Language) => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
