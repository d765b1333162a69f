import { Api, ApiError } from '../api'
import { h } from './dom'
import { signIn } from './session'

export function loginPage(api: Api, onSignedIn: () => void): HTMLElement {
  const username = h('input', { name: 'username', autocomplete: 'username', required: true, autofocus: true })
  const password = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true })
  const message = h('p', { class: 'error', role: 'alert' })
  const button = h('button', { type: 'submit' }, 'Sign in')
  const form = h('form', { class: 'card login' },
    h('h1', {}, 'Spotter Collab'),
    h('label', {}, 'User name', username),
    h('label', {}, 'Password', password),
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
        ? 'Wrong user name or password.'
        : 'Could not reach the server.'
    } finally {
      button.disabled = false
    }
  })
  return form
}
