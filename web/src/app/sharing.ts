// The sharing panel for a resource the user manages: grants (with directory pickers), restricted / no-export,
// "who has access and why", and share links.
import { levels, type AccessEntry, type DirectoryEntry, type Level, type LinkScope, type Schema, type ShareLink } from '../api'
import { t } from '../i18n'
import type { AppContext } from './context'
import { h } from './dom'
import { errorText, formatTime, openDialog, toast } from './ui'
import { confirmAccessChange } from './accessChange'

export type ResourceKind = 'space' | 'page' | 'document'

/** A picker entry: a directory hit, with the username beside a person's name. */
type PickerEntry = DirectoryEntry & { detail?: string }

export function openSharing(context: AppContext, resourceId: string, title: string, kind: ResourceKind): void {
  if (context.isPartner) return // partners never manage and never see the directory
  const body = sharingPanel(context, resourceId, kind)
  openDialog(t('app.sharing.title', { title }), body, { wide: true, testId: 'sharing' })
}

export function levelLabel(level: Level | string): string {
  return t(`app.level.${String(level).toLowerCase()}`)
}

export function principalLabel(principal: string, displayName?: string): string {
  if (principal === 'company') return t('app.principal.company')
  const [kind, ...rest] = principal.split(':')
  const id = rest.join(':')
  const name = displayName && displayName !== principal ? displayName : id
  switch (kind) {
    case 'user': return name
    case 'group': return t('app.principal.group', { name })
    case 'department': return t('app.principal.department', { name })
    case 'partner': return t('app.principal.partner', { name })
    case 'link': return t('app.principal.link')
    default: return displayName || principal
  }
}

function sharingPanel(context: AppContext, resourceId: string, kind: ResourceKind): HTMLElement {
  const { api } = context
  const message = h('p', { class: 'error', role: 'alert' })
  const fail = (error: unknown) => { message.textContent = errorText(error) }

  // ---- grants ----
  const grantNames = new Map<string, string>()
  const grantList = h('ul', { class: 'rows', 'data-testid': 'grants' })
  const restricted = h('input', { type: 'checkbox', name: 'restricted' })
  const noExport = h('input', { type: 'checkbox', name: 'noExport' })
  const loadGrants = async () => {
    try {
      const grants = await api.grants(resourceId)
      for (const grant of grants) if (grant.displayName) grantNames.set(grant.principal, grant.displayName)
      grantList.replaceChildren(...grants.map(grant => h('li', {},
        h('span', { class: 'grow' }, principalLabel(grant.principal, grant.displayName)),
        h('span', { class: 'badge' }, levelLabel(grant.level)),
        h('button', {
          type: 'button', class: 'link danger-text', 'aria-label': t('app.sharing.remove'),
          onclick: async () => {
            try {
              await api.removeGrant(resourceId, grant.id)
              await Promise.all([loadGrants(), loadAccess()])
            } catch (error) { fail(error) }
          },
        }, t('app.sharing.remove')))))
      if (grants.length === 0) grantList.append(h('li', { class: 'muted' }, t('app.sharing.noGrants')))
    } catch (error) { fail(error) }
  }

  const picker = principalPicker(context)
  const level = h('select', { name: 'level' }, ...levels.map(l => h('option', { value: l, selected: l === 'view' }, levelLabel(l))))
  const addForm = h('form', { class: 'row', 'data-testid': 'add-grant' }, picker.element, level, h('button', { type: 'submit' }, t('app.sharing.add')))
  addForm.addEventListener('submit', async event => {
    event.preventDefault()
    const principal = picker.value()
    if (!principal) { message.textContent = t('app.sharing.pickPrincipal'); return }
    try {
      await api.addGrant(resourceId, principal, level.value as Level)
      picker.clear()
      message.textContent = ''
      await Promise.all([loadGrants(), loadAccess()])
    } catch (error) { fail(error) }
  })

  const saveSettings = async (change: Schema<'SettingsRequest'>) => {
    try {
      await api.updateSettings(resourceId, change)
      await loadAccess()
    } catch (error) {
      fail(error)
      void loadGrants()
    }
  }
  restricted.addEventListener('change', () => void (async () => {
    // Restricting (or opening up) changes who can read the resource: show who gains or loses access first.
    const wanted = restricted.checked
    try {
      const change = await api.previewRestricted(resourceId, wanted)
      if (!await confirmAccessChange(change, t(wanted ? 'app.access.restrictTitle' : 'app.access.unrestrictTitle'), t('app.access.confirm'))) {
        restricted.checked = !wanted
        return
      }
    } catch (error) {
      restricted.checked = !wanted
      fail(error)
      return
    }
    await saveSettings({ restricted: wanted })
  })())
  noExport.addEventListener('change', () => void saveSettings({ noExport: noExport.checked }))

  // ---- who has access and why ----
  const accessTable = h('tbody')
  const loadAccess = async () => {
    try {
      const entries = await api.access(resourceId)
      accessTable.replaceChildren(...entries.map(entry => h('tr', {},
        h('td', {}, entry.displayName || principalLabel(entry.principal)),
        h('td', {}, h('span', { class: 'badge' }, levelLabel(entry.level))),
        h('td', { class: 'muted' }, why(entry, grantNames)))))
    } catch (error) { fail(error) }
  }

  // ---- share links ----
  const linkList = h('ul', { class: 'rows', 'data-testid': 'links' })
  const loadLinks = async () => {
    try {
      const links = (await api.links(resourceId)).filter(link => !link.revoked)
      linkList.replaceChildren(...links.map(link => linkRow(link, async () => {
        try {
          await api.revokeLink(link.id)
          await loadLinks()
        } catch (error) { fail(error) }
      })))
      if (links.length === 0) linkList.append(h('li', { class: 'muted' }, t('app.links.none')))
    } catch (error) { fail(error) }
  }
  const scope = h('select', { name: 'scope' },
    h('option', { value: 'company' }, t('app.links.scope.company')),
    h('option', { value: 'anyone' }, t('app.links.scope.anyone')))
  const role = h('select', { name: 'role' })
  const fillRoles = () => {
    // Outsiders never get more than comment; signed-in employees may also edit through a company link.
    const allowed: Level[] = scope.value === 'anyone' ? ['view', 'comment'] : ['view', 'comment', 'edit']
    const before = role.value
    role.replaceChildren(...allowed.map(l => h('option', { value: l }, levelLabel(l))))
    role.value = allowed.includes(before as Level) ? before : 'view'
  }
  scope.addEventListener('change', fillRoles)
  fillRoles()
  const password = h('input', { name: 'linkPassword', type: 'password', placeholder: t('app.links.password'), autocomplete: 'new-password' })
  const expires = h('input', { name: 'expires', type: 'date', title: t('app.links.expires') })
  const created = h('div', { class: 'created-link', hidden: true, 'data-testid': 'created-link' })
  const linkForm = h('form', { class: 'row wrap', 'data-testid': 'create-link' }, scope, role, password, expires, h('button', { type: 'submit' }, t('app.links.create')))
  linkForm.addEventListener('submit', async event => {
    event.preventDefault()
    try {
      const expiresAt = expires.value ? new Date(`${expires.value}T23:59:59`).toISOString() : undefined
      const link = await api.createLink(resourceId, { scope: scope.value as LinkScope, role: role.value as Level, password: password.value || undefined, expiresAt })
      const url = linkUrl(link.token)
      const field = h('input', { readonly: true, value: url, 'data-testid': 'link-url' })
      const copy = h('button', {
        type: 'button', class: 'secondary',
        onclick: async () => {
          try {
            await navigator.clipboard.writeText(url)
            toast(t('app.links.copied'))
          } catch {
            field.select()
          }
        },
      }, t('app.links.copy'))
      created.replaceChildren(h('p', { class: 'small' }, t('app.links.onceOnly')), h('div', { class: 'row' }, field, copy))
      created.hidden = false
      password.value = ''
      await loadLinks()
    } catch (error) { fail(error) }
  })

  // Spaces: who besides editors sees version history and resolved threads (partners and links only when ticked).
  const history = h('select', { name: 'history', 'data-testid': 'history-audience' },
    ...(['editors', 'commenters', 'viewers'] as const).map(value => h('option', { value }, t(`app.sharing.history.${value}`)))) as HTMLSelectElement
  const guestHistory = h('input', { type: 'checkbox', name: 'guestHistory' }) as HTMLInputElement
  history.addEventListener('change', () => void saveSettings({ history: history.value as Schema<'HistoryAudience'> }))
  guestHistory.addEventListener('change', () => void saveSettings({ guestHistory: guestHistory.checked }))
  const historySettings = kind === 'space'
    ? h('div', { class: 'toggles', 'data-testid': 'history-settings' },
      h('label', {}, t('app.sharing.history.label'), ' ', history),
      h('label', { class: 'check' }, guestHistory, h('span', {}, t('app.sharing.history.guests'), h('small', { class: 'muted' }, t('app.sharing.history.guestsHelp')))))
    : null

  // The flags' current values (the resource's own, not inherited ones); undecided until they arrive.
  restricted.indeterminate = true
  noExport.indeterminate = true
  api.settings(resourceId).then(flags => {
    noExport.indeterminate = false
    noExport.checked = flags.noExport
    restricted.indeterminate = false
    restricted.checked = flags.restricted
    if (flags.history) history.value = flags.history
    if (typeof flags.guestHistory === 'boolean') guestHistory.checked = flags.guestHistory
  }, () => {})
  restricted.addEventListener('change', () => { restricted.indeterminate = false })
  noExport.addEventListener('change', () => { noExport.indeterminate = false })
  void loadGrants().then(loadAccess)
  void loadLinks()

  return h('div', { class: 'sharing-panel' },
    h('section', {},
      h('h3', {}, t('app.sharing.grants')),
      grantList,
      addForm,
      h('div', { class: 'toggles' },
        h('label', { class: 'check' }, restricted, h('span', {}, t('app.sharing.restricted'), h('small', { class: 'muted' }, t(`app.sharing.restrictedHelp.${kind}`)))),
        h('label', { class: 'check' }, noExport, h('span', {}, t('app.sharing.noExport'), h('small', { class: 'muted' }, t('app.sharing.noExportHelp'))))),
      historySettings),
    h('section', {},
      h('h3', {}, t('app.sharing.whoHasAccess')),
      h('table', { class: 'grid', 'data-testid': 'access' },
        h('thead', {}, h('tr', {}, h('th', {}, t('app.sharing.who')), h('th', {}, t('app.sharing.level')), h('th', {}, t('app.sharing.why')))),
        accessTable)),
    h('section', {},
      h('h3', {}, t('app.links.title')),
      linkList,
      linkForm,
      created),
    message)
}

function why(entry: AccessEntry, names: Map<string, string>): string {
  const source = entry.source
  if (source === 'administrator') return t('app.sharing.why.admin')
  // A grant to the person themselves reads best with their name; other principals by the grants' display names.
  const own = source.principal === entry.principal || source.principal === `user:${entry.principal}`
  const through = own ? entry.displayName : principalLabel(source.principal, names.get(source.principal))
  return source.inherited
    ? t('app.sharing.why.inherited', { principal: through, title: source.resourceTitle, level: levelLabel(entry.level) })
    : t('app.sharing.why.direct', { principal: through })
}

export function linkRow(link: ShareLink, revoke: () => void): HTMLElement {
  const details = [
    t(`app.links.scope.${String(link.scope).toLowerCase()}`),
    levelLabel(link.role),
    link.hasPassword ? t('app.links.withPassword') : '',
    link.expiresAt ? t('app.links.expiresAt', { time: formatTime(link.expiresAt) }) : t('app.links.noExpiry'),
  ].filter(Boolean).join(' · ')
  return h('li', {},
    h('span', { class: 'grow' }, details,
      h('small', { class: 'muted' }, ` — ${t('app.links.createdBy', { user: link.createdBy, time: formatTime(link.createdAt) })}`)),
    h('button', { type: 'button', class: 'link danger-text', onclick: revoke }, t('app.links.revoke')))
}

/** The redemption route of this app; the token is in the fragment so it never reaches a server log. */
export function linkUrl(token: string): string {
  return `${location.origin}/link/${encodeURIComponent(token)}`
}

/** A text box that searches the directory as you type; "everyone in the company" is always offered. */
function principalPicker(context: AppContext): { element: HTMLElement; value: () => string | null; clear: () => void } {
  const input = h('input', { name: 'principal', placeholder: t('app.sharing.searchPeople'), autocomplete: 'off', role: 'combobox' })
  const results = h('ul', { class: 'picker-results', role: 'listbox', hidden: true })
  let chosen: PickerEntry | null = null
  let request = 0
  const company: PickerEntry = { principal: 'company', kind: 'company', name: t('app.principal.company') }
  const choose = (entry: PickerEntry) => {
    chosen = entry
    input.value = entry.kind === 'user' ? `${entry.name}${entry.detail && entry.detail !== entry.name ? ` (${entry.detail})` : ''}` : principalLabel(entry.principal, entry.name)
    results.hidden = true
  }
  const show = (entries: PickerEntry[]) => {
    results.replaceChildren(...entries.map(entry => h('li', {},
      h('button', { type: 'button', role: 'option', 'data-principal': entry.principal, onclick: () => choose(entry) },
        h('span', { class: `kind kind-${entry.kind}` }, t(`app.kind.${String(entry.kind).toLowerCase()}`)),
        entry.kind === 'user' ? entry.name : principalLabel(entry.principal, entry.name),
        entry.detail && entry.detail !== entry.name ? h('small', { class: 'muted' }, ` ${entry.detail}`) : null))))
    results.hidden = entries.length === 0
  }
  input.addEventListener('input', () => {
    chosen = null
    const q = input.value.trim()
    const mine = ++request
    if (!q) { show([company]); return }
    context.api.searchDirectory(q).then(found => {
      if (mine !== request) return
      const companyMatches = company.name.toLowerCase().includes(q.toLowerCase()) || 'company'.includes(q.toLowerCase())
      // Users are told apart by their user name; "company" may come from the server too.
      const hits: PickerEntry[] = found.filter(entry => entry.principal !== company.principal)
        .map(entry => entry.kind === 'user' ? { ...entry, detail: entry.principal.slice('user:'.length) } : entry)
      show([...(companyMatches || found.length !== hits.length ? [company] : []), ...hits])
    }, () => { if (mine === request) show([]) })
  })
  input.addEventListener('focus', () => { if (!input.value) show([company]) })
  input.addEventListener('keydown', event => {
    if (event.key === 'Escape') results.hidden = true
  })
  return {
    element: h('div', { class: 'picker' }, input, results),
    // A user name typed without picking counts as that user.
    value: () => chosen?.principal ?? (/^[a-z0-9][a-z0-9_.-]*$/i.test(input.value.trim()) ? `user:${input.value.trim().toLowerCase()}` : null),
    clear: () => { chosen = null; input.value = ''; results.hidden = true },
  }
}
