// The sign-in form, shown for every route of the app while nobody is signed in.
import { useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import { Api, ApiError } from '../api'
import { LanguageSwitch } from './chrome'
import { signIn } from './session'

const anonymous = new Api('')

export function LoginPage() {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const [message, setMessage] = useState('')
  const [busy, setBusy] = useState(false)

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const fields = new FormData(event.currentTarget)
    setBusy(true)
    setMessage('')
    try {
      const token = await anonymous.login(String(fields.get('username') ?? '').trim(), String(fields.get('password') ?? ''))
      const me = await anonymous.withToken(token).me()
      signIn({ username: me.username, displayName: me.displayName, token })
      navigate('/')
    } catch (error) {
      setMessage(error instanceof ApiError && (error.status === 401 || error.status === 400)
        ? t('app.login.wrong')
        : error instanceof ApiError && error.status === 429 ? t('app.login.locked') : t('app.login.unreachable'))
    } finally {
      setBusy(false)
    }
  }

  return (
    <div className="login-page">
      <form className="card login" data-testid="login" onSubmit={submit}>
        <div className="login-brand"><span className="logo" aria-hidden="true">S</span><h1>Spotter Collab</h1><LanguageSwitch /></div>
        <p className="muted">{t('app.login.intro')}</p>
        <label>{t('app.login.username')}<input name="username" autoComplete="username" required autoFocus /></label>
        <label>{t('app.login.password')}<input name="password" type="password" autoComplete="current-password" required /></label>
        <button type="submit" disabled={busy}>{t('app.signIn')}</button>
        <p className="error" role="alert">{message}</p>
      </form>
    </div>
  )
}
