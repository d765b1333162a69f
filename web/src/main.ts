import './style.css'
import { Api } from './api'
import { CollabConnection } from './provider'
import { currentUser, signOut } from './app/session'
import { loginPage } from './app/login'
import { documentsPage } from './app/documents'
import { editorPage, type EditorPage } from './app/editor'
import { h } from './app/dom'
import { rememberDocument } from './app/recent'

const root = document.getElementById('app')!
const anonymousApi = new Api('')
let connection: CollabConnection | null = null
let openEditor: EditorPage | null = null

function ensureConnection(token: string): CollabConnection {
  if (!connection) {
    const protocol = new URLSearchParams(location.search).get('protocol') === 'json' ? 'json' : 'messagepack'
    connection = new CollabConnection({ serverUrl: '', accessTokenFactory: () => token, protocol })
    void connection.start()
  }
  return connection
}

function leaveSession(): void {
  signOut()
  void connection?.stop()
  connection = null
  location.hash = '#/login'
  route()
}

function route(): void {
  openEditor?.dispose()
  openEditor = null
  const user = currentUser()
  const hash = location.hash.replace(/^#/, '') || '/'
  if (!user) {
    root.replaceChildren(loginPage(anonymousApi, () => { location.hash = '#/'; route() }))
    return
  }
  const nav = h('nav', {},
    h('a', { href: '#/' }, 'Spotter Collab'),
    h('span', { class: 'spacer' }),
    h('span', { class: 'muted' }, user.displayName),
    h('button', { type: 'button', class: 'link', onclick: leaveSession }, 'Sign out'))
  const api = anonymousApi.withToken(user.token)
  const docMatch = /^\/doc\/(.+)$/.exec(hash)
  if (docMatch) {
    const docId = decodeURIComponent(docMatch[1])
    openEditor = editorPage(ensureConnection(user.token), api, docId, user)
    openEditor.onJoined(() => rememberDocument(user.username, docId))
    root.replaceChildren(nav, openEditor.element)
  } else {
    root.replaceChildren(nav, documentsPage(api, user.username, leaveSession))
  }
}

window.addEventListener('hashchange', route)
route()
