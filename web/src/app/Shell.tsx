// The signed-in shell: top bar, sidebar and the routed main area.
import { lazy, Suspense, useEffect, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, Outlet, useLocation, useNavigate, useOutletContext } from 'react-router'
import { Api, ApiError, jwtClaims, type Me } from '../api'
import type { AppContext } from './context'
import { Brand, LanguageSwitch, ThemeSwitch } from './chrome'
import { ensureConnection, stopConnection } from './connection'
import { LoginPage } from './LoginPage'
import { NotificationBell } from './notifications/NotificationBell'
import { changePasswordDialog, RequiredPasswordChange } from './password'
import { currentUser, session, signOut, type SignedIn } from './session'
import { Sidebar } from './Sidebar'
import { errorText } from './ui'

const anonymous = new Api('')
const AssistantPanel = lazy(() => import('./assistant/AssistantPanel'))

export interface ShellParts { context: AppContext }

/** What a route inside the shell works with: the signed-in context. */
export function useShell(): ShellParts {
  return useOutletContext<ShellParts>()
}

/** The sign-in form while nobody is signed in (on any route), else the shell. Checked on every navigation, so a
 *  session ended elsewhere leads to the sign-in form at the next step. */
export function SignedInLayout() {
  useLocation()
  const user = currentUser()
  const navigate = useNavigate()
  const [, rerender] = useState(0)
  if (!user) return <LoginPage />
  if (jwtClaims(user.token).pwd_change) {
    // Refreshed after the change: the new token has no limit, and the next render shows the shell with it.
    const changed = async () => {
      if (!await session.renew(user.token)) { signOut(); navigate('/login') }
      rerender(n => n + 1)
    }
    return <RequiredPasswordChange api={anonymous.withToken(user.token)} onChanged={changed} />
  }
  return <Shell key={user.username} user={user} />
}

function useSignOut(): () => void {
  const navigate = useNavigate()
  return () => {
    signOut()
    stopConnection()
    navigate('/login')
  }
}

function Shell({ user }: { user: SignedIn }) {
  const { t } = useTranslation()
  const leave = useSignOut()
  const [context, setContext] = useState<AppContext | null>(null)
  const [failure, setFailure] = useState<unknown>(null)
  const [assistantOpen, setAssistantOpen] = useState(false)

  useEffect(() => {
    let live = true
    const api = anonymous.withToken(user.token)
    const load = async (): Promise<AppContext> => {
      const me = await api.me()
      return { api, me, user, connection: ensureConnection(user), isPartner: await isPartner(api, me) }
    }
    load().then(loaded => { if (live) setContext(loaded) }, error => {
      if (!live) return
      if (error instanceof ApiError && error.status === 401) leave()
      else setFailure(error)
    })
    return () => { live = false }
    // One shell per signed-in user (the component is keyed by the user name).
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])

  if (failure) return <p className="error">{errorText(failure)}</p>
  if (!context) return null
  return (
    <div className="shell">
      <header className="topbar">
        <Brand />
        <SearchBox />
        <span className="spacer" />
        {context.user.username.startsWith('link:') ? null : <NotificationBell context={context} />}
        <button type="button" className="link" data-testid="assistant-button" aria-expanded={assistantOpen} onClick={() => setAssistantOpen(open => !open)}>{t('app.assistant.open')}</button>
        <ThemeSwitch />
        <LanguageSwitch />
        {context.me.isAdmin && !context.isPartner ? <Link className="top-link" to="/admin/users" data-testid="admin-link">{t('app.admin.title')}</Link> : null}
        <span className="user" data-testid="me">{context.me.displayName}{context.isPartner ? <span className="badge">{t('app.partnerBadge')}</span> : null}</span>
        <button type="button" className="link" data-testid="change-password-button" onClick={() => changePasswordDialog(context.api)}>{t('app.password.change')}</button>
        <button type="button" className="link" onClick={leave}>{t('app.signOut')}</button>
      </header>
      <div className="body">
        <Sidebar context={context} />
        <main className="content">
          <Suspense fallback={<p className="muted">{t('app.loading')}</p>}>
            <Outlet context={{ context } satisfies ShellParts} />
          </Suspense>
        </main>
        {assistantOpen ? <Suspense fallback={null}><AssistantPanel api={context.api} onClose={() => setAssistantOpen(false)} /></Suspense> : null}
      </div>
    </div>
  )
}

function SearchBox() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const location = useLocation()
  const input = useRef<HTMLInputElement>(null)
  // The results page shows its query in the box.
  useEffect(() => {
    if (location.pathname === '/search' && input.current) input.current.value = new URLSearchParams(location.search).get('q') ?? ''
  }, [location])
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const query = input.current?.value.trim()
    if (query) navigate(`/search?q=${encodeURIComponent(query)}`)
  }
  return (
    <form className="search" role="search" onSubmit={submit}>
      <input ref={input} type="search" name="q" placeholder={t('app.search.placeholder')} aria-label={t('app.search.placeholder')} autoComplete="off" />
    </form>
  )
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
