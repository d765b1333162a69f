// `/link#<token>`: a share link opens without the shell. The token is in the fragment, which browsers never send, so
// it stays out of the server's request logs and traces, reloads included. It is redeemed (asking for its password when the first try
// fails) and the page opens with the link session's own token, on its own hub connection; the signed-in account (if
// any) only helps redeem company links. Its own chunk, with the editor.
import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Navigate, useLocation, useParams } from 'react-router'
import { Api, ApiError, type RedeemedLink } from '../api'
import { editorPage } from '../editor'
import { CollabConnection } from '../provider'
import { Brand, LanguageSwitch, ThemeSwitch } from './chrome'
import { LegacyView } from './LegacyView'
import { currentUser } from './session'
import { errorText } from './ui'

const anonymous = new Api('')
const storageKey = (token: string) => `spotter.collab.link.${token}`

interface SignedInHelper { api: Api; username: string }

export default function LinkRoute() {
  const { token: pathToken } = useParams()
  const { hash } = useLocation()
  const user = currentUser()
  // A token in the path reached the server once already; from here on it lives in the fragment.
  if (pathToken) return <Navigate to={{ pathname: '/link', hash: encodeURIComponent(pathToken) }} replace />
  const token = safeDecode(hash.slice(1))
  const signedIn = user ? { api: anonymous.withToken(user.token), username: user.username } : null
  return (
    <div className="link-shell">
      <header className="topbar"><Brand /><span className="spacer" /><ThemeSwitch /><LanguageSwitch /></header>
      <main className="link-main">
        <div className="link-content">
          <LinkPage key={`${token} ${user?.username ?? ''}`} token={token} signedIn={signedIn} />
        </div>
      </main>
    </div>
  )
}

type Step = { kind: 'redeeming' } | { kind: 'password' } | { kind: 'failed'; error: unknown } | { kind: 'open'; redeemed: RedeemedLink }

/**
 * `signedIn` is the browser's signed-in account, if any: company-scoped links need a signed-in employee, so the
 * redemption carries their token. The server binds the link session to that account (it ends with their session), so
 * a session kept in this tab is reused only for the same account — or for nobody, when it was redeemed signed out.
 */
function LinkPage({ token, signedIn }: { token: string; signedIn: SignedInHelper | null }) {
  const { t } = useTranslation()
  const [step, setStep] = useState<Step>(() => {
    const cached = sessionStorage.getItem(storageKey(token))
    const reuse = cached ? parseRedeemed(cached) : null
    return reuse && !expired(reuse.accessToken) && redeemerOf(reuse.accessToken) === (signedIn?.username ?? null)
      ? { kind: 'open', redeemed: reuse }
      : { kind: 'redeeming' }
  })
  const redeem = (password?: string) => (signedIn?.api ?? anonymous).redeemLink(token, password)

  useEffect(() => {
    if (step.kind !== 'redeeming') return
    let live = true
    // Without a password first: most links have none. A failure cannot tell "needs a password" from "invalid"
    // (the server gives no oracle), so the password form says both.
    redeem().then(redeemed => { if (live) setStep({ kind: 'open', redeemed }) }, error => {
      if (!live) return
      setStep(error instanceof ApiError && error.status === 429 ? { kind: 'failed', error } : { kind: 'password' })
    })
    return () => { live = false }
    // Redeemed once per link page (the component is keyed by the token and the account).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  switch (step.kind) {
    case 'redeeming': return <p className="muted">{t('app.loading')}</p>
    case 'failed': return <p className="error">{errorText(step.error)}</p>
    case 'password': return <PasswordForm redeem={redeem} onOpen={redeemed => setStep({ kind: 'open', redeemed })} />
    case 'open': return <LinkedPage token={token} redeemed={step.redeemed} />
  }
}

function PasswordForm({ redeem, onOpen }: { redeem: (password: string) => Promise<RedeemedLink>; onOpen: (redeemed: RedeemedLink) => void }) {
  const { t } = useTranslation()
  const [password, setPassword] = useState('')
  const [message, setMessage] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    setBusy(true)
    try {
      onOpen(await redeem(password))
    } catch (error) {
      setBusy(false)
      setMessage(error instanceof ApiError && (error.status === 404 || error.status === 401 || error.status === 403) ? t('app.link.invalid') : errorText(error))
    }
  }
  return (
    <form className="card narrow" data-testid="link-password" onSubmit={event => void submit(event)}>
      <h1>{t('app.link.title')}</h1>
      <p className="muted">{t('app.link.passwordHelp')}</p>
      <label>{t('app.link.password')}
        <input name="linkPassword" type="password" autoComplete="off" required autoFocus value={password} onChange={event => setPassword(event.target.value)} />
      </label>
      <button type="submit" disabled={busy}>{t('app.link.open')}</button>
      <p className="error" role="alert">{message}</p>
    </form>
  )
}

/** The page on the link session's token and its own hub connection, closed when the link page goes. */
function LinkedPage({ token, redeemed }: { token: string; redeemed: RedeemedLink }) {
  const { t } = useTranslation()
  const [session] = useState(() => {
    sessionStorage.setItem(storageKey(token), JSON.stringify(redeemed))
    const connection = new CollabConnection({ serverUrl: '', accessTokenFactory: () => redeemed.accessToken })
    void connection.start()
    const api = anonymous.withToken(redeemed.accessToken)
    const editor = editorPage(connection, api, redeemed.resourceId, { username: 'link', displayName: t('app.link.guest'), token: redeemed.accessToken })
    return { connection, api, editor }
  })
  const [title, setTitle] = useState('')
  useEffect(() => {
    let live = true
    session.api.describeDocument(redeemed.resourceId).then(info => {
      if (!live) return
      setTitle(info.title)
      document.title = info.title
    }, () => { /* no access: the editor says so */ })
    return () => {
      live = false
      session.editor.dispose()
      void session.connection.stop()
    }
  }, [session, redeemed])
  return (
    <>
      <header className="page-header">
        <div className="page-heading">
          <span className="muted small">{t('app.link.viaLink', { role: t(`app.level.${levelOf(redeemed.role)}`) })}</span>
          <h1 className="page-title" data-testid="page-title">{title}</h1>
        </div>
      </header>
      <LegacyView make={() => ({ element: session.editor.element })} deps={[session]} />
    </>
  )
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

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text)
  } catch {
    return text
  }
}
