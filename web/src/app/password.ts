// Changing one's own password (from the top bar). The server ends the user's other sessions; this one stays.
import { ApiError, type Api } from '../api'
import { t } from '../i18n'
import { h } from './dom'
import { errorText, openDialog, toast } from './ui'

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
  const current = h('input', { name: 'currentPassword', type: 'password', required: true, autocomplete: 'current-password' })
  const next = h('input', { name: 'newPassword', type: 'password', required: true, minlength: String(minLength), autocomplete: 'new-password' })
  const repeat = h('input', { name: 'repeatPassword', type: 'password', required: true, minlength: String(minLength), autocomplete: 'new-password' })
  const message = h('p', { class: 'error', role: 'alert', hidden: true })
  const submit = h('button', { type: 'submit' }, t('app.password.change'))
  const form = h('form', { class: 'stack', 'data-testid': 'change-password' },
    h('label', {}, t('app.password.current'), current),
    h('label', {}, t('app.password.new'), next),
    h('label', {}, t('app.password.repeat'), repeat),
    h('p', { class: 'muted small' }, t('app.password.help', { n: String(minLength) })),
    message,
    h('div', { class: 'actions' }, submit))
  const { close } = openDialog(t('app.password.change'), form, { testId: 'password-dialog' })
  const fail = (text: string) => {
    message.textContent = text
    message.hidden = false
  }
  form.addEventListener('submit', event => {
    event.preventDefault()
    if (next.value !== repeat.value) { fail(t('app.password.mismatch')); return }
    submit.disabled = true
    api.changePassword(current.value, next.value).then(() => {
      close()
      toast(t('app.password.changed'))
    }, error => {
      submit.disabled = false
      const problem = problemOf(error)
      fail(weakPasswordText(error) ?? (problem.title === 'wrong-password' ? t('app.password.wrong') : errorText(error)))
    })
  })
  current.focus()
}
