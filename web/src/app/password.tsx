// Changing one's own password (from the top bar). The server ends the user's other sessions; this one stays.
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { ApiError, type Api } from '../api'
import { t } from '../i18n'
import { showDialog, showToast } from './dialogs'
import { errorText } from './ui'

/** The server's minimum (Auth:MinPasswordLength default); the server's answer is what counts. */
const minLength = 10

/** The problem document's `title` and `reason` of a failed call, when it has one. */
function problemOf(error: unknown): { title?: string; reason?: string } {
  if (!(error instanceof ApiError)) return {}
  const json = error.message.indexOf('{')
  if (json < 0) return {}
  try {
    return JSON.parse(error.message.slice(json)) as { title?: string; reason?: string }
  } catch {
    return {}
  }
}

/** A user-facing message for a refused new password (weak-password reasons), or null for other failures. */
export function weakPasswordText(error: unknown): string | null {
  const problem = problemOf(error)
  if (problem.title !== 'weak-password') return null
  if (problem.reason === 'common') return t('app.password.common')
  if (problem.reason === 'username') return t('app.password.username')
  return t('app.password.tooShort')
}

export function changePasswordDialog(api: Api): void {
  showDialog({ title: t('app.password.change'), testId: 'password-dialog', render: close => <ChangePassword api={api} onDone={close} /> })
}

/** The whole screen while the account still has its generated first-start password: the server accepts the
 *  session's token for nothing else until it is changed; then the session is refreshed into a normal one. */
export function RequiredPasswordChange({ api, onChanged }: { api: Api; onChanged: () => Promise<void> }) {
  const { t } = useTranslation()
  return (
    <main className="login" data-testid="required-password-change">
      <h1>{t('app.password.requiredTitle')}</h1>
      <p>{t('app.password.requiredHelp')}</p>
      <ChangePassword api={api} onDone={() => { void onChanged() }} quiet />
    </main>
  )
}

function ChangePassword({ api, onDone, quiet = false }: { api: Api; onDone: () => void; quiet?: boolean }) {
  const { t } = useTranslation()
  const [message, setMessage] = useState<string | null>(null)
  const [busy, setBusy] = useState(false)
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const fields = event.currentTarget.elements
    const value = (name: string) => (fields.namedItem(name) as HTMLInputElement).value
    if (value('newPassword') !== value('repeatPassword')) { setMessage(t('app.password.mismatch')); return }
    setBusy(true)
    api.changePassword(value('currentPassword'), value('newPassword')).then(() => {
      onDone()
      if (!quiet) showToast(t('app.password.changed'))
    }, error => {
      setBusy(false)
      setMessage(weakPasswordText(error) ?? (problemOf(error).title === 'wrong-password' ? t('app.password.wrong') : errorText(error)))
    })
  }
  return (
    <form className="stack" data-testid="change-password" onSubmit={submit}>
      <label>{t('app.password.current')}<input name="currentPassword" type="password" required autoComplete="current-password" /></label>
      <label>{t('app.password.new')}<input name="newPassword" type="password" required minLength={minLength} autoComplete="new-password" /></label>
      <label>{t('app.password.repeat')}<input name="repeatPassword" type="password" required minLength={minLength} autoComplete="new-password" /></label>
      <p className="muted small">{t('app.password.help', { n: String(minLength) })}</p>
      {message ? <p className="error" role="alert">{message}</p> : null}
      <div className="actions"><button type="submit" disabled={busy}>{t('app.password.change')}</button></div>
    </form>
  )
}
