import { Api, ApiError } from '../api'
import { t } from '../i18n'
import { h } from './dom'
import { signIn } from './session'

export function loginPage(api: Api, onSignedIn: () => void, languageSwitch?: HTMLElement): HTMLElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true })
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  const message = h('p', { class: 'error', role: 'alert' })
  const button = h('button', { type: 'submit' }, t('app.signIn'))
  const form = h('form', { class: 'card login', 'data-testid': 'login' },
    h('div', { class: 'login-brand' }, h('span', { class: 'logo', 'aria-hidden': 'true' }, 'S'), h('h1', {}, 'Spotter Collab'), languageSwitch ?? null),
    h('p', { class: 'muted' }, t('app.login.intro')),
    h('label', {}, t('app.login.username'), username),
    h('label', {}, t('app.login.password'), password),
    button,
    message)
  form.addEventListener('submit', async event => {
    event.preventDefault()
    button.disabled = true
    message.textContent = ''
    try {
      const token = await api.login(username.value.trim(), password.value)
      const me = await api.withToken(token).me()
      signIn({ username: me.username, displayName: me.displayName, token })
      onSignedIn()
    } catch (error) {
      message.textContent = error instanceof ApiError && (error.status === 401 || error.status === 400)
        ? t('app.login.wrong')
        : error instanceof ApiError && error.status === 429 ? t('app.login.locked') : t('app.login.unreachable')
    } finally {
      button.disabled = false
    }
  })
  return h('div', { class: 'login-page' }, form)
}
