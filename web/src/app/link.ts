// `/link/<token>`: redeems a share link (asking for its password when the first try fails) and opens the page
// with the link session's own token, on its own hub connection.
import { Api, ApiError, type RedeemedLink } from '../api'
import { t } from '../i18n'
import { CollabConnection } from '../provider'
import { h } from './dom'
import type { SignedIn } from './session'
import { errorText } from './ui'

const storageKey = (token: string) => `spotter.collab.link.${token}`

export interface LinkSession {
  /** The link page's main area (the shell around it is the router's). */
  element: HTMLElement
  dispose(): void
}

type EditorFactory = (connection: CollabConnection, api: Api, docId: string, me: SignedIn) => { element: HTMLElement; dispose(): void }

/**
 * `signedIn` is the browser's signed-in account, if any: company-scoped links need a signed-in employee, so the
 * redemption carries their token. The server binds the link session to that account (it ends with their session), so
 * a session kept in this tab is reused only for the same account — or for nobody, when it was redeemed signed out.
 */
export function linkPage(token: string, signedIn: { api: Api; username: string } | null, makeEditor: EditorFactory): LinkSession {
  const anonymous = new Api('')
  const content = h('div', { class: 'link-content' })
  let connection: CollabConnection | null = null
  let editor: { element: HTMLElement; dispose(): void } | null = null
  let disposed = false

  const open = (redeemed: RedeemedLink) => {
    if (disposed) return
    sessionStorage.setItem(storageKey(token), JSON.stringify(redeemed))
    connection = new CollabConnection({ serverUrl: '', accessTokenFactory: () => redeemed.accessToken })
    void connection.start()
    const api = anonymous.withToken(redeemed.accessToken)
    editor = makeEditor(connection, api, redeemed.resourceId, { username: 'link', displayName: t('app.link.guest'), token: redeemed.accessToken })
    const title = h('h1', { class: 'page-title', 'data-testid': 'page-title' })
    api.describeDocument(redeemed.resourceId).then(info => { title.textContent = info.title; document.title = info.title }, () => {})
    content.replaceChildren(
      h('header', { class: 'page-header' }, h('div', { class: 'page-heading' }, h('span', { class: 'muted small' }, t('app.link.viaLink', { role: t(`app.level.${levelOf(redeemed.role)}`) })), title)),
      editor.element)
  }

  const askPassword = (failed: boolean) => {
    const password = h('input', { name: 'linkPassword', type: 'password', autocomplete: 'off', required: true, autofocus: true })
    const message = h('p', { class: 'error', role: 'alert' }, failed ? t('app.link.invalid') : '')
    const button = h('button', { type: 'submit' }, t('app.link.open'))
    const form = h('form', { class: 'card narrow', 'data-testid': 'link-password' },
      h('h1', {}, t('app.link.title')),
      h('p', { class: 'muted' }, t('app.link.passwordHelp')),
      h('label', {}, t('app.link.password'), password),
      button, message)
    form.addEventListener('submit', async event => {
      event.preventDefault()
      button.disabled = true
      try {
        open(await redeem(password.value))
      } catch (error) {
        message.textContent = error instanceof ApiError && (error.status === 404 || error.status === 401 || error.status === 403) ? t('app.link.invalid') : errorText(error)
      } finally {
        button.disabled = false
      }
    })
    content.replaceChildren(form)
    password.focus()
  }

  const redeem = (password?: string) => (signedIn?.api ?? anonymous).redeemLink(token, password)

  const cached = sessionStorage.getItem(storageKey(token))
  const reuse = cached ? parseRedeemed(cached) : null
  if (reuse && !expired(reuse.accessToken) && redeemerOf(reuse.accessToken) === (signedIn?.username ?? null)) open(reuse)
  else {
    content.append(h('p', { class: 'muted' }, t('app.loading')))
    // Without a password first: most links have none. A failure cannot tell "needs a password" from "invalid"
    // (the server gives no oracle), so the password form says both.
    redeem().then(open, error => {
      if (error instanceof ApiError && error.status === 429) content.replaceChildren(h('p', { class: 'error' }, errorText(error)))
      else askPassword(false)
    })
  }

  return {
    element: content,
    dispose() {
      disposed = true
      editor?.dispose()
      void connection?.stop()
    },
  }
}

function levelOf(role: string): string {
  return ({ viewer: 'view', commenter: 'comment', editor: 'edit', owner: 'manage' } as Record<string, string>)[role] ?? role
}

function parseRedeemed(raw: string): RedeemedLink | null {
  try {
    const value = JSON.parse(raw) as RedeemedLink
    return typeof value.accessToken === 'string' && typeof value.resourceId === 'string' ? value : null
  } catch {
    return null
  }
}

function claimsOf(token: string): { exp?: number; redeemer?: string } | null {
  try {
    return JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number; redeemer?: string }
  } catch {
    return null
  }
}

function expired(token: string): boolean {
  const claims = claimsOf(token)
  return claims === null || (typeof claims.exp === 'number' && claims.exp * 1000 <= Date.now() + 5000)
}

/** Who the link session answers to (see docs/permissions.md), or null for an anonymous one. */
function redeemerOf(token: string): string | null {
  return claimsOf(token)?.redeemer ?? null
}
