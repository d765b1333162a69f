// Light and dark themes: the colours are CSS variables (style.css); `data-theme` on <html> picks one, and without it
// the system's preference decides.
export type Theme = 'system' | 'light' | 'dark'

const storageKey = 'spotter.collab.theme'

export function storedTheme(): Theme {
  const stored = localStorage.getItem(storageKey)
  return stored === 'light' || stored === 'dark' ? stored : 'system'
}

export function applyTheme(theme: Theme): void {
  if (theme === 'system') {
    localStorage.removeItem(storageKey)
    delete document.documentElement.dataset.theme
  } else {
    localStorage.setItem(storageKey, theme)
    document.documentElement.dataset.theme = theme
  }
}
