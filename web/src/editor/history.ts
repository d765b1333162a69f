// The version history panel: the list of snapshots (time, authors, why), one version's content, a comparison of
// two versions (or a version and the current text), and restoring a version as a new change.
import { h } from '../app/dom'
import { formatDateTime, t } from '../i18n'
import type { CompareBlock, KnowledgeBaseApi, VersionSummary } from './kbApi'
import { errorText } from './comments'

export interface HistoryPanel {
  element: HTMLElement
  refresh(): Promise<void>
  setCanRestore(canRestore: boolean): void
  renderLabels(): void
}

/** Server-rendered HTML of a version, with anything active removed before it is shown. */
export function safeFragment(html: string): DocumentFragment {
  const parsed = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html')
  for (const bad of parsed.body.querySelectorAll('script, style, iframe, object, embed, link, meta, form')) bad.remove()
  for (const element of parsed.body.querySelectorAll('*')) {
    for (const attribute of [...element.attributes]) {
      const value = attribute.value.trim().toLowerCase()
      if (attribute.name.startsWith('on') || ((attribute.name === 'href' || attribute.name === 'src') && value.startsWith('javascript:'))) {
        element.removeAttribute(attribute.name)
      }
    }
  }
  const fragment = document.createDocumentFragment()
  fragment.append(...parsed.body.childNodes)
  return fragment
}

export function historyPanel(kb: KnowledgeBaseApi, notify: (message: string) => void): HistoryPanel {
  let versions: VersionSummary[] = []
  let loadError = ''
  let canRestore = false
  let shown: { kind: 'version'; id: string; html: string } | { kind: 'compare'; from: string; to: string; blocks: CompareBlock[] } | null = null

  const list = h('ol', { class: 'versions', 'data-testid': 'versions' })
  const compareForm = h('form', { class: 'compare row' })
  const preview = h('div', { class: 'version-preview', 'data-testid': 'version-preview' })
  const refreshButton = h('button', { type: 'button', class: 'link' })
  refreshButton.addEventListener('click', () => void refresh())
  const element = h('div', { class: 'history-panel', 'data-testid': 'history-panel' }, refreshButton, list, compareForm, preview)

  const when = (iso: string) => formatDateTime(iso)
  const reasonText = (reason: string | undefined) => {
    if (!reason) return ''
    const key = `editor.history.reason.${reason}`
    const text = t(key)
    return text === key ? reason : text
  }

  const show = async (id: string) => {
    try {
      const version = await kb.version(id)
      shown = { kind: 'version', id, html: version.html }
    } catch (error) {
      notify(t('editor.history.loadFailed', { error: errorText(error) }))
    }
    render()
  }

  const compare = async (from: string, to: string) => {
    try {
      const { blocks } = await kb.compare(from, to)
      shown = { kind: 'compare', from, to, blocks }
    } catch (error) {
      notify(t('editor.history.loadFailed', { error: errorText(error) }))
    }
    render()
  }

  const restore = async (id: string) => {
    if (!confirm(t('editor.history.restoreConfirm'))) return
    try {
      await kb.restore(id)
      notify(t('editor.history.restored'))
      await refresh()
    } catch (error) {
      notify(t('editor.history.loadFailed', { error: errorText(error) }))
    }
  }

  const renderCompareForm = () => {
    const option = (v: VersionSummary) => h('option', { value: String(v.id) }, when(v.createdAt))
    const from = h('select', { name: 'from', 'aria-label': t('editor.history.from') }, ...versions.map(option))
    const to = h('select', { name: 'to', 'aria-label': t('editor.history.to') },
      h('option', { value: 'current' }, t('editor.history.current')), ...versions.map(option))
    if (shown?.kind === 'compare') { from.value = shown.from; to.value = shown.to }
    compareForm.hidden = versions.length === 0
    compareForm.replaceChildren(from, h('span', {}, '→'), to, h('button', { type: 'submit' }, t('editor.history.compare')))
    compareForm.onsubmit = event => {
      event.preventDefault()
      void compare(from.value, to.value)
    }
  }

  const render = () => {
    refreshButton.textContent = t('editor.history.refresh')
    if (loadError) list.replaceChildren(h('li', { class: 'error' }, loadError))
    else if (versions.length === 0) list.replaceChildren(h('li', { class: 'muted' }, t('editor.history.empty')))
    else list.replaceChildren(...versions.map(version => {
      const view = h('button', { type: 'button', class: 'link', 'data-testid': 'view-version' }, t('editor.history.view'))
      view.addEventListener('click', () => void show(String(version.id)))
      const restoreButton = h('button', { type: 'button', class: 'link', 'data-testid': 'restore-version', hidden: !canRestore },
        t('editor.history.restore'))
      restoreButton.addEventListener('click', () => void restore(String(version.id)))
      const names = version.authors.map(author => author.displayName).join(', ')
      return h('li', { 'data-version': String(version.id), class: shown?.kind === 'version' && shown.id === String(version.id) ? 'active' : '' },
        h('div', {}, h('time', { datetime: version.createdAt }, when(version.createdAt)),
          version.reason ? h('span', { class: 'badge' }, reasonText(version.reason)) : null),
        names ? h('div', { class: 'muted small' }, t('editor.history.by', { names })) : null,
        h('div', { class: 'row' }, view, restoreButton))
    }))
    renderCompareForm()
    if (!shown) preview.replaceChildren()
    else if (shown.kind === 'version') preview.replaceChildren(h('div', { class: 'version-content' }, safeFragment(shown.html)))
    else if (shown.blocks.every(block => block.op === 'same')) preview.replaceChildren(h('p', { class: 'muted' }, t('editor.history.noChanges')))
    else preview.replaceChildren(...shown.blocks.map(block => {
      const div = h('div', { class: `diff-block ${block.op}`, 'data-op': block.op })
      div.append(safeFragment(block.html))
      return div
    }))
  }

  const refresh = async () => {
    try {
      versions = await kb.versions()
      // Newest first whatever order the server uses.
      versions.sort((a, b) => b.createdAt.localeCompare(a.createdAt))
      loadError = ''
    } catch (error) {
      loadError = t('editor.history.loadFailed', { error: errorText(error) })
    }
    render()
  }

  render()
  return {
    element,
    refresh,
    setCanRestore(value) {
      canRestore = value
      render()
    },
    renderLabels: render,
  }
}
