// Pieces of the top bar shared by the signed-in shell, the sign-in page and the share-link page.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { language, setLanguage, type Language } from '../i18n'
import { applyTheme, storedTheme, type Theme } from './theme'

export function Brand() {
  return <Link className="brand" to="/"><span className="logo" aria-hidden="true">S</span>Spotter Collab</Link>
}

export function LanguageSwitch() {
  const { t } = useTranslation()
  return (
    <select className="language" aria-label={t('app.language')} data-testid="language" value={language()}
      onChange={event => setLanguage(event.target.value as Language)}>
      <option value="en">English</option>
      <option value="zh">中文</option>
    </select>
  )
}

export function ThemeSwitch() {
  const { t } = useTranslation()
  const [theme, setTheme] = useState<Theme>(storedTheme)
  return (
    <select className="language" aria-label={t('app.theme')} data-testid="theme" value={theme}
      onChange={event => { const next = event.target.value as Theme; applyTheme(next); setTheme(next) }}>
      <option value="system">{t('app.theme.system')}</option>
      <option value="light">{t('app.theme.light')}</option>
      <option value="dark">{t('app.theme.dark')}</option>
    </select>
  )
}
