// UI strings in English and Chinese through i18next. Each part of the app registers its own messages (see app.ts,
// editor.ts); `t` looks the key up in the current language, falls back to English, then to the key itself.
// Placeholders are `{name}`; a `count` parameter picks the plural form (`key_one`, `key_other`: Intl.PluralRules of
// the locale), and `{value, number}` / `{value, datetime}` format through Intl for the locale.
import i18next from 'i18next'

export type Language = 'en' | 'zh'
export type Messages = Record<string, string>

/** The BCP 47 locale of each UI language (plural rules, dates and numbers). */
export const locales: Record<Language, string> = { en: 'en', zh: 'zh-CN' }

const storageKey = 'spotter.collab.language'

function initialLanguage(): Language {
  const stored = typeof localStorage === 'undefined' ? null : localStorage.getItem(storageKey)
  if (stored === 'en' || stored === 'zh') return stored
  const browser = typeof navigator === 'undefined' ? 'en' : navigator.language
  return browser.toLowerCase().startsWith('zh') ? 'zh' : 'en'
}

export const i18n = i18next.createInstance()
void i18n.init({
  lng: locales[initialLanguage()],
  fallbackLng: 'en',
  supportedLngs: Object.values(locales),
  resources: { en: { translation: {} }, 'zh-CN': { translation: {} } },
  // Keys are flat ('app.page.new'), and messages are plain text put into the DOM as text, never as HTML.
  keySeparator: false,
  nsSeparator: false,
  initAsync: false,
  interpolation: {
    prefix: '{',
    suffix: '}',
    escapeValue: false,
  },
  // A placeholder without its parameter stays visible instead of vanishing.
  missingInterpolationHandler: (_text: string, match: RegExpExecArray) => match[0],
})

/** Adds messages for both languages; later registrations win for the same key. */
export function registerMessages(messages: { en: Messages; zh: Messages }): void {
  i18n.addResourceBundle('en', 'translation', messages.en, true, true)
  i18n.addResourceBundle('zh-CN', 'translation', messages.zh, true, true)
}

/** The message for `key`, with `{name}` placeholders filled from `params`. */
export function t(key: string, params: Record<string, string | number> = {}): string {
  return i18n.t(key, params) as string
}

export function language(): Language {
  return i18n.language === locales.zh ? 'zh' : 'en'
}

/** The current UI language's locale, for Intl formatting. */
export function locale(): string {
  return locales[language()]
}

/** A date and time in the current language's conventions. */
export function formatDateTime(value: Date | string): string {
  const date = typeof value === 'string' ? new Date(value) : value
  if (Number.isNaN(date.getTime())) return String(value)
  return new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short' }).format(date)
}

/** A number in the current language's conventions. */
export function formatNumber(value: number, options?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(locale(), options).format(value)
}

/** Switches the UI language, remembers it, and tells listeners (who re-render). */
export function setLanguage(next: Language): void {
  if (next === language()) return
  if (typeof localStorage !== 'undefined') localStorage.setItem(storageKey, next)
  void i18n.changeLanguage(locales[next])
}

i18n.on('languageChanged', () => {
  if (typeof document !== 'undefined') document.documentElement.lang = locale()
})

export function onLanguageChange(listener: (language: Language) => void): () => void {
  const handler = () => listener(language())
  i18n.on('languageChanged', handler)
  return () => i18n.off('languageChanged', handler)
}
