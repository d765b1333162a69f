// Small shared pieces of the shell: error text, downloads, snippets, times. (Dialogs and toasts: dialogs.tsx.)
import { ApiError } from '../api'
import { formatDateTime, t } from '../i18n'
import { h } from './dom'

/** A message for the user from a failed call: the server's problem title/detail when there is one. */
export function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    if (error.status === 401) return t('app.error.signedOut')
    if (error.status === 403) {
      if (/no-export/.test(error.message)) return t('app.error.noExport')
      return t('app.error.forbidden')
    }
    if (error.status === 404) return t('app.error.notFound')
    if (error.status === 429) return t('app.error.rateLimited')
    const json = error.message.indexOf('{')
    if (json >= 0) {
      try {
        const problem = JSON.parse(error.message.slice(json)) as { detail?: string; title?: string }
        if (problem.detail || problem.title) return String(problem.detail ?? problem.title)
      } catch {
        // not a problem document: fall through
      }
    }
    return error.message
  }
  return error instanceof Error ? error.message : String(error)
}

/** Saves `blob` as a file through a temporary link. */
export function download(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = h('a', { href: url, download: fileName, hidden: true })
  document.body.append(link)
  link.click()
  link.remove()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

/**
 * Server HTML snippets (search hits) may only highlight: everything but text and `<mark>` is dropped, so a page
 * title or body can never inject markup into the app.
 */
export function highlightedSnippet(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  const out = document.createDocumentFragment()
  const walk = (node: Node, target: Node) => {
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) target.appendChild(document.createTextNode(child.textContent ?? ''))
      else if (child.nodeType === Node.ELEMENT_NODE) {
        if ((child as Element).tagName === 'MARK') {
          const mark = document.createElement('mark')
          walk(child, mark)
          target.appendChild(mark)
        } else walk(child, target)
      }
    }
  }
  walk(parsed.body, out)
  return out
}

export function formatTime(value: string | null | undefined): string {
  if (!value) return ''
  return formatDateTime(value)
}

/** A search hit's snippet as text runs, the highlighted ones marked (see `highlightedSnippet`). */
export function snippetSegments(html: string): { text: string; marked: boolean }[] {
  return [...highlightedSnippet(html).childNodes].map(node => ({ text: node.textContent ?? '', marked: node.nodeName === 'MARK' }))
}
