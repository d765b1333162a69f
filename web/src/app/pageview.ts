// The main area for an open page: breadcrumbs, title, page actions (share, export, import, trash) and the editor.
import type { Level, SpaceTree } from '../api'
import { t } from '../i18n'
import { atLeast, pagePath, spacePath, type AppContext } from './context'
import { h } from './dom'
import { navigate } from './navigation'
import { openSharing, type ResourceKind } from './sharing'
import { ancestry, type Sidebar } from './sidebar'
import { download, errorText, openDialog, toast } from './ui'

export interface PageTarget {
  docId: string
  spaceId: string | null
  /** The page's editor, made (or kept across re-renders) by the shell. */
  editor: HTMLElement
}

export function pageView(context: AppContext, sidebar: Sidebar | null, target: PageTarget): { element: HTMLElement; dispose: () => void } {
  const crumbs = h('nav', { class: 'crumbs', 'aria-label': t('app.breadcrumbs') })
  const title = h('h1', { class: 'page-title', 'data-testid': 'page-title' })
  const actions = h('div', { class: 'page-actions' })
  let level: Level = 'none'
  let noExport = false
  let kind: ResourceKind = target.spaceId ? 'page' : 'document'

  const renderActions = () => {
    const canManage = atLeast(level, 'manage') && !context.isPartner
    const canEdit = atLeast(level, 'edit')
    const exportMenu = atLeast(level, 'view') && !noExport ? exportButton(context, target.docId, () => title.textContent || target.docId, kind === 'page') : null
    actions.replaceChildren(...[
      canManage && h('button', { type: 'button', class: 'secondary', 'data-testid': 'share', onclick: () => openSharing(context, target.docId, title.textContent ?? '', kind) }, t('app.share')),
      exportMenu,
      canEdit && importButton(context, target.docId),
    ].filter((x): x is HTMLElement => !!x))
  }

  const showFromTree = (tree: SpaceTree) => {
    const chain = ancestry(tree, target.docId)
    const page = chain.at(-1)
    if (!page || page.id !== target.docId) return
    title.textContent = page.title || t('app.page.untitled')
    document.title = `${title.textContent} · ${tree.space.title}`
    level = page.level
    crumbs.replaceChildren(
      h('a', { href: spacePath(tree.space.id) }, tree.space.title),
      ...chain.slice(0, -1).flatMap(p => [h('span', { class: 'sep' }, '/'), h('a', { href: pagePath(tree.space.id, p.id) }, p.title)]))
    renderActions()
  }

  let stopTree: (() => void) | null = null
  if (sidebar && target.spaceId) stopTree = sidebar.onTree(showFromTree)
  // The per-document façade tells the level and the no-export flag (for pages outside a tree too).
  context.api.describeDocument(target.docId).then(info => {
    // A page reached by its id alone (search hit, old link) moves to its place in its space's tree.
    if (!target.spaceId && info.kind === 'page' && info.spaceId) {
      navigate(pagePath(info.spaceId, target.docId), { replace: true })
      return
    }
    noExport = info.noExport
    if (!title.textContent) title.textContent = info.title
    kind = info.kind
    if (!target.spaceId) level = info.level
    renderActions()
  }, () => { /* no access: the editor says so */ })

  const element = h('article', { class: 'page' },
    h('header', { class: 'page-header' }, h('div', { class: 'page-heading' }, crumbs, title), actions),
    target.editor)
  return { element, dispose: () => stopTree?.() }
}

function exportButton(context: AppContext, docId: string, title: () => string, withSubtree: boolean): HTMLElement {
  const run = async (format: 'md' | 'html', subtree: boolean) => {
    menu.open = false
    try {
      const blob = await context.api.exportDocument(docId, format, subtree)
      download(blob, `${safeFileName(title())}.${format}`)
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }
  const menu = h('details', { class: 'menu', 'data-testid': 'export' },
    h('summary', { class: 'button secondary' }, t('app.export')),
    h('div', { class: 'menu-items right' },
      h('button', { type: 'button', onclick: () => void run('md', false) }, t('app.export.md')),
      h('button', { type: 'button', onclick: () => void run('html', false) }, t('app.export.html')),
      withSubtree && h('button', { type: 'button', onclick: () => void run('md', true) }, t('app.export.mdTree')),
      withSubtree && h('button', { type: 'button', onclick: () => void run('html', true) }, t('app.export.htmlTree'))))
  return menu
}

function importButton(context: AppContext, docId: string): HTMLElement {
  const file = h('input', { type: 'file', accept: '.md,.markdown,text/markdown,text/plain', hidden: true, 'data-testid': 'import-file' })
  file.addEventListener('change', async () => {
    const chosen = file.files?.[0]
    file.value = ''
    if (!chosen) return
    const mode = await chooseImportMode(chosen.name)
    if (!mode) return
    try {
      await context.api.importMarkdown(docId, await chosen.text(), mode)
      toast(t('app.import.done', { name: chosen.name }))
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  })
  return h('span', {}, file, h('button', { type: 'button', class: 'secondary', onclick: () => file.click() }, t('app.import')))
}

/** Replace the page's content, or add the file at its end; null when cancelled. */
function chooseImportMode(fileName: string): Promise<'replace' | 'append' | null> {
  return new Promise(resolve => {
    let answer: 'replace' | 'append' | null = null
    const pick = (mode: 'replace' | 'append') => () => { answer = mode; close() }
    const body = h('div', { class: 'stack', 'data-testid': 'import-mode' },
      h('p', {}, t('app.import.question', { name: fileName })),
      h('div', { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', 'data-mode': 'append', onclick: pick('append') }, t('app.import.append')),
        h('button', { type: 'button', 'data-mode': 'replace', onclick: pick('replace') }, t('app.import.replace'))))
    const { close } = openDialog(t('app.import'), body, { onClose: () => resolve(answer) })
  })
}

function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim().slice(0, 100) || 'page'
}
