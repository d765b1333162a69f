// Main-area views other than an open page: home, a space's overview, its trash, search results.
import type { SpaceTree } from '../api'
import { t } from '../i18n'
import { atLeast, docPath, pagePath, spacePath, type AppContext } from './context'
import { h } from './dom'
import { childrenOf, type Sidebar } from './sidebar'
import { errorText, highlightedSnippet, toast } from './ui'

export interface View { element: HTMLElement; dispose?: () => void }

export function homeView(context: AppContext): View {
  const list = h('ul', { class: 'cards' }, h('li', { class: 'muted' }, t('app.loading')))
  context.api.spaces().then(spaces => {
    list.replaceChildren(...spaces.map(space => h('li', {},
      h('a', { class: 'card-link', href: spacePath(space.id) },
        h('span', { class: 'space-icon big', 'aria-hidden': 'true' }, (space.title || '?').slice(0, 1).toUpperCase()),
        h('strong', {}, space.title || space.id)))))
    if (spaces.length === 0) list.replaceChildren(h('li', { class: 'muted' }, context.isPartner ? t('app.space.noneShared') : t('app.home.empty')))
  }, error => list.replaceChildren(h('li', { class: 'error' }, errorText(error))))
  return {
    element: h('section', { class: 'view' },
      h('h1', {}, t('app.home.welcome', { name: context.me.displayName })),
      h('p', { class: 'muted' }, context.isPartner ? t('app.home.partnerIntro') : t('app.home.intro')),
      h('h2', {}, t('app.spaces')),
      list),
  }
}

export function spaceView(sidebar: Sidebar, spaceId: string): View {
  const body = h('div', {}, h('p', { class: 'muted' }, t('app.loading')))
  const title = h('h1', {})
  const render = (tree: SpaceTree) => {
    if (tree.space.id !== spaceId) return
    title.textContent = tree.space.title
    document.title = tree.space.title
    const roots = childrenOf(tree, spaceId)
    const canEdit = atLeast(tree.space.level, 'edit')
    body.replaceChildren(roots.length
      ? h('ul', { class: 'page-list' }, ...roots.map(page => h('li', {}, h('a', { href: pagePath(spaceId, page.id) }, page.title || t('app.page.untitled')))))
      : h('p', { class: 'muted' }, t('app.page.none')))
    if (canEdit) body.append(h('button', { type: 'button', onclick: () => void sidebar.createPage(null) }, `+ ${t('app.page.new')}`))
  }
  const stops = [sidebar.onTree(render), sidebar.onTreeError(error => body.replaceChildren(h('p', { class: 'error' }, errorText(error))))]
  return { element: h('section', { class: 'view' }, title, body), dispose: () => stops.forEach(stop => stop()) }
}

export function trashView(context: AppContext, sidebar: Sidebar, spaceId: string): View {
  const list = h('ul', { class: 'rows', 'data-testid': 'trash' }, h('li', { class: 'muted' }, t('app.loading')))
  const load = async () => {
    try {
      const pages = await context.api.spaceTrash(spaceId)
      list.replaceChildren(...pages.map(page => h('li', {},
        h('span', { class: 'grow' }, page.title || t('app.page.untitled')),
        h('button', {
          type: 'button', class: 'secondary small',
          onclick: async () => {
            try {
              await context.api.restorePage(page.id)
              toast(t('app.trash.restored', { title: page.title }))
              await load()
            } catch (error) { toast(errorText(error), 'bad') }
          },
        }, t('app.trash.restore')))))
      if (pages.length === 0) list.replaceChildren(h('li', { class: 'muted' }, t('app.trash.empty')))
    } catch (error) {
      list.replaceChildren(h('li', { class: 'error' }, errorText(error)))
    }
  }
  void load()
  // A page trashed elsewhere shows up here without a reload.
  const stop = sidebar.onTree(() => void load())
  return {
    element: h('section', { class: 'view' }, h('h1', {}, t('app.trash.title')), h('p', { class: 'muted' }, t('app.trash.help')), list),
    dispose: stop,
  }
}

export function searchView(context: AppContext, query: string): View {
  const list = h('ol', { class: 'results', 'data-testid': 'search-results' }, h('li', { class: 'muted' }, t('app.search.searching')))
  if (!query.trim()) list.replaceChildren(h('li', { class: 'muted' }, t('app.search.prompt')))
  else {
    context.api.search(query, 50).then(hits => {
      list.replaceChildren(...hits.map(hit => h('li', {},
        h('a', { href: hit.spaceId ? pagePath(hit.spaceId, hit.id) : docPath(hit.id) }, hit.title || t('app.page.untitled')),
        h('p', { class: 'snippet' }, highlightedSnippet(hit.snippet ?? '')))))
      if (hits.length === 0) list.replaceChildren(h('li', { class: 'muted' }, t('app.search.none', { q: query })))
    }, error => list.replaceChildren(h('li', { class: 'error' }, errorText(error))))
  }
  return { element: h('section', { class: 'view' }, h('h1', {}, t('app.search.title', { q: query })), list) }
}
