import './style.css'
import './i18n/app'
import { Api, ApiError, type Me } from './api'
import { CollabConnection } from './provider'
import { accessToken, currentUser, forgetEndedSession, signOut, type SignedIn } from './app/session'
import { loginPage } from './app/login'
import { editorPage, type EditorPage } from './editor'
import { h } from './app/dom'
import { language, onLanguageChange, setLanguage, t, type Language } from './i18n'
import type { AppContext } from './app/context'
import { Sidebar } from './app/sidebar'
import { pageView } from './app/pageview'
import { homeView, searchView, spaceView, trashView, type View } from './app/views'
import { adminTabs, adminView, type AdminTab } from './app/admin'
import { linkPage, type LinkSession } from './app/link'
import { errorText } from './app/ui'
import { changePasswordDialog } from './app/password'

const root = document.getElementById('app')!
const anonymousApi = new Api('')
let connection: { username: string; value: CollabConnection } | null = null
let editor: { docId: string; page: EditorPage } | null = null
let shell: Shell | null = null
let view: View | null = null
let linkSession: LinkSession | null = null
let routeGeneration = 0

interface Shell {
  username: string
  language: Language
  context: AppContext
  sidebar: Sidebar
  element: HTMLElement
  main: HTMLElement
  search: HTMLInputElement
}

function ensureConnection(user: SignedIn): CollabConnection {
  if (connection?.username !== user.username) {
    void connection?.value.stop()
    const protocol = new URLSearchParams(location.search).get('protocol') === 'json' ? 'json' : 'messagepack'
    // Asked on every (re)connect: a token refreshed since (or refreshed now, when about to expire) is used.
    const value = new CollabConnection({ serverUrl: '', accessTokenFactory: async () => (await accessToken()) ?? user.token, protocol })
    // A session ended on the server: the open page shows it was revoked, and the connection stops instead of
    // reconnecting with tokens that can never work again.
    value.hub.on('Revoked', (_docId: string, reason: string | null) => {
      if (reason !== 'signed-out') return
      forgetEndedSession()
      if (connection?.value === value) connection = null
      void value.stop()
    })
    void value.start()
    connection = { username: user.username, value }
  }
  return connection.value
}

/** The editor for `docId`, kept across re-renders (language switch, tree updates) of the same page. */
function editorFor(context: AppContext, docId: string): EditorPage {
  if (editor?.docId !== docId) {
    editor?.page.dispose()
    editor = { docId, page: editorPage(context.connection, context.api, docId, context.user) }
  }
  return editor.page
}

function closeEditor(): void {
  editor?.page.dispose()
  editor = null
}

function leaveSession(): void {
  signOut()
  shell?.sidebar.dispose()
  shell = null
  closeEditor()
  void connection?.value.stop()
  connection = null
  location.hash = '#/login'
  void route()
}

function languageSwitch(): HTMLElement {
  const select = h('select', { class: 'language', 'aria-label': t('app.language'), 'data-testid': 'language' },
    h('option', { value: 'en', selected: language() === 'en' }, 'English'),
    h('option', { value: 'zh', selected: language() === 'zh' }, '中文'))
  select.addEventListener('change', () => setLanguage(select.value as Language))
  return select
}

async function buildShell(user: SignedIn): Promise<Shell> {
  const api = anonymousApi.withToken(user.token)
  const me = await api.me()
  const context: AppContext = { api, me, user, connection: ensureConnection(user), isPartner: await isPartner(api, me) }
  const sidebar = new Sidebar(context)
  const search = h('input', { type: 'search', name: 'q', placeholder: t('app.search.placeholder'), 'aria-label': t('app.search.placeholder'), autocomplete: 'off' })
  const searchForm = h('form', { class: 'search', role: 'search' }, search)
  searchForm.addEventListener('submit', event => {
    event.preventDefault()
    if (search.value.trim()) location.hash = `#/search?q=${encodeURIComponent(search.value.trim())}`
  })
  const topbar = h('header', { class: 'topbar' },
    h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'S'), 'Spotter Collab'),
    searchForm,
    h('span', { class: 'spacer' }),
    languageSwitch(),
    me.isAdmin && !context.isPartner ? h('a', { class: 'top-link', href: '#/admin/users', 'data-testid': 'admin-link' }, t('app.admin.title')) : null,
    h('span', { class: 'user', 'data-testid': 'me' }, me.displayName, context.isPartner ? h('span', { class: 'badge' }, t('app.partnerBadge')) : null),
    h('button', { type: 'button', class: 'link', 'data-testid': 'change-password-button', onclick: () => changePasswordDialog(api) }, t('app.password.change')),
    h('button', { type: 'button', class: 'link', onclick: leaveSession }, t('app.signOut')))
  const main = h('main', { class: 'content' })
  const element = h('div', { class: 'shell' }, topbar, h('div', { class: 'body' }, sidebar.element, main))
  return { username: user.username, language: language(), context, sidebar, element, main, search }
}

/**
 * Partner users get no staff features. `/api/me` names the kind; where it does not (an older server), the
 * directory decides: it answers 403 to exactly the users who must not see it.
 */
async function isPartner(api: Api, me: Me): Promise<boolean> {
  if (me.kind) return me.kind === 'partner'
  try {
    await api.searchDirectory('')
    return false
  } catch (error) {
    return error instanceof ApiError && error.status === 403
  }
}

function parseRoute(hash: string): { path: string[]; query: URLSearchParams } {
  const [path, query] = hash.replace(/^#/, '').split('?')
  return { path: path.split('/').filter(Boolean).map(decodeURIComponent), query: new URLSearchParams(query ?? '') }
}

async function route(): Promise<void> {
  const generation = ++routeGeneration
  view?.dispose?.()
  view = null
  const { path, query } = parseRoute(location.hash)
  const user = currentUser()

  if (path[0] === 'link' && path[1]) {
    // A share link opens without the shell; the signed-in account (if any) only helps redeem company links.
    shell?.sidebar.dispose()
    shell = null
    closeEditor()
    linkSession?.dispose()
    const header = h('header', { class: 'topbar' },
      h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'S'), 'Spotter Collab'),
      h('span', { class: 'spacer' }), languageSwitch())
    linkSession = linkPage(path[1], user ? { api: anonymousApi.withToken(user.token), username: user.username } : null, editorPage, header)
    root.replaceChildren(linkSession.element)
    return
  }
  linkSession?.dispose()
  linkSession = null

  if (!user) {
    shell?.sidebar.dispose()
    shell = null
    closeEditor()
    root.replaceChildren(loginPage(anonymousApi, () => { location.hash = '#/'; void route() }, languageSwitch()))
    return
  }

  if (!shell || shell.username !== user.username || shell.language !== language()) {
    shell?.sidebar.dispose()
    try {
      const built = await buildShell(user)
      if (generation !== routeGeneration) { built.sidebar.dispose(); return }
      shell = built
    } catch (error) {
      if (error instanceof ApiError && error.status === 401) { leaveSession(); return }
      root.replaceChildren(h('p', { class: 'error' }, errorText(error)))
      return
    }
  }
  const current = shell
  const { context, sidebar } = current
  root.replaceChildren(current.element)

  let next: View
  let docId: string | null = null
  if (path[0] === 'space' && path[1]) {
    const spaceId = path[1]
    if (path[2] === 'page' && path[3]) {
      docId = path[3]
      sidebar.select(spaceId, docId)
      next = pageView(context, sidebar, { docId, spaceId, editor: editorFor(context, docId).element })
    } else if (path[2] === 'trash') {
      sidebar.select(spaceId, null)
      next = trashView(context, sidebar, spaceId)
    } else {
      sidebar.select(spaceId, null)
      next = spaceView(sidebar, spaceId)
    }
  } else if (path[0] === 'doc' && path[1]) {
    docId = path[1]
    sidebar.select(null, null)
    next = pageView(context, null, { docId, spaceId: null, editor: editorFor(context, docId).element })
  } else if (path[0] === 'search') {
    sidebar.select(null, null)
    current.search.value = query.get('q') ?? ''
    next = searchView(context, query.get('q') ?? '')
  } else if (path[0] === 'admin' && context.me.isAdmin && !context.isPartner) {
    sidebar.select(null, null)
    const tab = (adminTabs as readonly string[]).includes(path[1] ?? '') ? path[1] as AdminTab : 'users'
    next = adminView(context, tab)
  } else {
    sidebar.select(null, null)
    void sidebar.loadSpaces()
    next = homeView(context)
  }
  if (docId === null) closeEditor()
  view = next
  current.main.replaceChildren(next.element)
}

onLanguageChange(() => void route())
window.addEventListener('hashchange', () => void route())
void route()
