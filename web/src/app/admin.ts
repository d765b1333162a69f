// The administration page (admins only; the server enforces it, the shell only hides the entry).
import type { Department, DirectoryUser, Group, PartnerOrg, ShareLink } from '../api'
import { t } from '../i18n'
import type { AppContext } from './context'
import { h } from './dom'
import { levelLabel, linkDetails } from './sharing'
import { confirmAction, errorText, formatTime, openDialog, promptText, toast } from './ui'

export const adminTabs = ['users', 'departments', 'groups', 'partners', 'policy', 'links', 'audit', 'preview'] as const
export type AdminTab = typeof adminTabs[number]

export function adminView(context: AppContext, tab: AdminTab): { element: HTMLElement } {
  const nav = h('nav', { class: 'tabs', role: 'tablist' }, ...adminTabs.map(name =>
    h('a', { href: `/admin/${name}`, role: 'tab', class: name === tab ? 'selected' : '', 'aria-selected': String(name === tab) }, t(`app.admin.${name}`))))
  const panels: Record<AdminTab, (context: AppContext) => HTMLElement> = {
    users: usersPanel, departments: departmentsPanel, groups: groupsPanel, partners: partnersPanel,
    policy: policyPanel, links: linksPanel, audit: auditPanel, preview: previewPanel,
  }
  return { element: h('section', { class: 'view admin', 'data-testid': 'admin' }, h('h1', {}, t('app.admin.title')), nav, panels[tab](context)) }
}

/** Loads everything a panel needs, then renders it; `reload` renders it again from fresh data. */
function panel<T>(load: () => Promise<T>, render: (data: T, reload: () => void) => Node[]): HTMLElement {
  const element = h('div', { class: 'admin-panel' }, h('p', { class: 'muted' }, t('app.loading')))
  const reload = () => {
    load().then(data => element.replaceChildren(...render(data, reload)),
      error => element.replaceChildren(h('p', { class: 'error' }, errorText(error))))
  }
  reload()
  return element
}

async function attempt(action: () => Promise<unknown>, then: () => void, success?: string): Promise<void> {
  try {
    await action()
    if (success) toast(success)
    then()
  } catch (error) {
    toast(errorText(error), 'bad')
  }
}

function departmentPath(departments: Department[], id: string | null | undefined): string {
  const byId = new Map(departments.map(d => [d.id, d]))
  const names: string[] = []
  for (let d = id ? byId.get(id) : undefined; d && names.length < 20; d = d.parentId ? byId.get(d.parentId) : undefined) names.unshift(d.name)
  return names.join(' / ')
}

function departmentOptions(departments: Department[], selected?: string | null, none = t('app.admin.noDepartment')): HTMLOptionElement[] {
  const sorted = [...departments].sort((a, b) => departmentPath(departments, a.id).localeCompare(departmentPath(departments, b.id)))
  return [h('option', { value: '' }, none), ...sorted.map(d => h('option', { value: d.id, selected: d.id === selected }, departmentPath(departments, d.id)))]
}

function usersPanel(context: AppContext): HTMLElement {
  const { api } = context
  return panel(() => Promise.all([api.adminUsers(), api.departments(), api.partners()]), ([users, departments, partners], reload) => {
    const partnerName = new Map(partners.map(p => [p.id, p.name]))
    const username = h('input', { name: 'username', placeholder: t('app.admin.username'), required: true, autocomplete: 'off' })
    const displayName = h('input', { name: 'displayName', placeholder: t('app.admin.displayName') })
    const password = h('input', { name: 'password', type: 'password', placeholder: t('app.admin.password'), required: true, minlength: '10', autocomplete: 'new-password' })
    const kind = h('select', { name: 'kind' }, h('option', { value: 'employee' }, t('app.admin.employee')), h('option', { value: 'partner' }, t('app.admin.partner')))
    const department = h('select', { name: 'department' }, ...departmentOptions(departments))
    const partner = h('select', { name: 'partnerOrg', hidden: true }, ...partners.map(p => h('option', { value: p.id }, p.name)))
    const isAdmin = h('input', { type: 'checkbox', name: 'isAdmin' })
    const adminLabel = h('label', { class: 'check inline' }, isAdmin, t('app.admin.isAdmin'))
    const syncKind = () => {
      const isPartner = kind.value === 'partner'
      department.hidden = isPartner
      partner.hidden = !isPartner
      adminLabel.hidden = isPartner
    }
    kind.addEventListener('change', syncKind)
    const form = h('form', { class: 'row wrap', 'data-testid': 'create-user' }, username, displayName, password, kind, department, partner, adminLabel,
      h('button', { type: 'submit' }, t('app.admin.createUser')))
    form.addEventListener('submit', event => {
      event.preventDefault()
      const isPartner = kind.value === 'partner'
      if (isPartner && !partner.value) { toast(t('app.admin.needPartnerOrg'), 'bad'); return }
      void attempt(() => api.adminCreateUser({
        username: username.value.trim(),
        password: password.value,
        displayName: displayName.value.trim() || username.value.trim(),
        kind: isPartner ? 'partner' : 'employee',
        partnerOrgId: isPartner ? partner.value : undefined,
        departmentId: !isPartner && department.value ? department.value : undefined,
        isAdmin: !isPartner && isAdmin.checked ? true : undefined,
      }), reload, t('app.admin.userCreated', { name: username.value.trim() }))
    })
    const rows = [...users].sort((a, b) => a.username.localeCompare(b.username)).map((user: DirectoryUser) => {
      const dept = h('select', { name: 'userDepartment', 'aria-label': t('app.admin.department') }, ...departmentOptions(departments, user.departmentId))
      dept.addEventListener('change', () => void attempt(() => api.adminUpdateUser(user.username, { departmentId: dept.value || null }), reload))
      return h('tr', { class: user.deactivated ? 'inactive' : '', 'data-username': user.username },
        h('td', {}, h('strong', {}, user.displayName), h('div', { class: 'muted small' }, user.username)),
        h('td', {}, user.kind === 'partner' ? t('app.admin.partnerOf', { org: partnerName.get(user.partnerOrgId ?? '') ?? user.partnerOrgId ?? '' }) : t('app.admin.employee'),
          user.isAdmin ? h('span', { class: 'badge' }, t('app.admin.adminBadge')) : null),
        h('td', {}, user.kind === 'partner' ? '' : dept),
        h('td', {}, user.deactivated ? h('span', { class: 'badge bad' }, t('app.admin.deactivated')) : h('span', { class: 'badge good' }, t('app.admin.active'))),
        h('td', { class: 'row-inline' }, h('button', {
          type: 'button', class: user.deactivated ? 'secondary small' : 'danger small',
          onclick: () => void attempt(() => api.setUserActive(user.username, user.deactivated), reload),
        }, user.deactivated ? t('app.admin.reactivate') : t('app.admin.deactivate')),
        h('button', {
          type: 'button', class: 'secondary small', 'data-action': 'reset-password',
          onclick: async () => {
            if (!await confirmAction(t('app.admin.resetPassword'), t('app.admin.resetConfirm', { name: user.displayName }), t('app.admin.resetPassword'))) return
            try {
              const { password } = await api.adminResetPassword(user.username)
              openDialog(t('app.admin.resetPassword'), h('p', { 'data-testid': 'one-time-password' }, t('app.admin.resetDone', { name: user.displayName, password: password ?? '' })))
            } catch (error) { toast(errorText(error), 'bad') }
          },
        }, t('app.admin.resetPassword')),
        h('button', {
          type: 'button', class: 'secondary small', 'data-action': 'sign-out-everywhere',
          onclick: async () => {
            if (!await confirmAction(t('app.admin.signOutEverywhere'), t('app.admin.signOutConfirm', { name: user.displayName }), t('app.admin.signOutEverywhere'))) return
            await attempt(() => api.adminSignOutEverywhere(user.username), reload, t('app.admin.signedOut', { name: user.displayName }))
          },
        }, t('app.admin.signOutEverywhere')),
        h('button', {
          type: 'button', class: 'secondary small', 'data-testid': 'unlock', title: t('app.admin.unlockHint'),
          onclick: () => void attempt(() => api.unlockUser(user.username), reload, t('app.admin.unlocked', { name: user.username })),
        }, t('app.admin.unlock'))))
    })
    return [
      h('h2', {}, t('app.admin.newUser')), form,
      h('h2', {}, t('app.admin.users')),
      h('table', { class: 'grid', 'data-testid': 'users' },
        h('thead', {}, h('tr', {}, ...['user', 'kind', 'department', 'status', 'actions'].map(c => h('th', {}, t(`app.admin.col.${c}`))))),
        h('tbody', {}, ...rows)),
    ]
  })
}

function departmentsPanel(context: AppContext): HTMLElement {
  const { api } = context
  return panel(() => api.departments(), (departments, reload) => {
    const name = h('input', { name: 'departmentName', placeholder: t('app.admin.departmentName'), required: true })
    const parent = h('select', { name: 'parent' }, ...departmentOptions(departments, null, t('app.admin.topDepartment')))
    const form = h('form', { class: 'row' }, name, parent, h('button', { type: 'submit' }, t('app.admin.add')))
    form.addEventListener('submit', event => {
      event.preventDefault()
      void attempt(() => api.createDepartment(name.value.trim(), parent.value || undefined), reload)
    })
    const render = (parentId: string | null): HTMLElement | null => {
      const children = departments.filter(d => (d.parentId ?? null) === parentId).sort((a, b) => a.name.localeCompare(b.name))
      if (children.length === 0) return null
      return h('ul', { class: 'dept-tree' }, ...children.map(d => h('li', {},
        h('div', { class: 'row-inline' }, h('span', {}, d.name),
          h('button', { type: 'button', class: 'link danger-text small', onclick: () => void attempt(() => api.deleteDepartment(d.id), reload) }, t('app.admin.delete'))),
        render(d.id))))
    }
    return [form, render(null) ?? h('p', { class: 'muted' }, t('app.admin.noDepartments'))]
  })
}

function groupsPanel(context: AppContext): HTMLElement {
  const { api } = context
  return panel(() => Promise.all([api.groups(), api.adminUsers()]), ([groups, users], reload) => {
    const name = h('input', { name: 'groupName', placeholder: t('app.admin.groupName'), required: true })
    const form = h('form', { class: 'row', 'data-testid': 'create-group' }, name, h('button', { type: 'submit' }, t('app.admin.createGroup')))
    form.addEventListener('submit', event => {
      event.preventDefault()
      void attempt(() => api.createGroup(name.value.trim()), reload, t('app.admin.groupCreated', { name: name.value.trim() }))
    })
    const displayName = new Map(users.map(u => [u.username, u.displayName]))
    const cards = [...groups].sort((a, b) => a.name.localeCompare(b.name)).map((group: Group) => {
      const candidate = h('select', { name: 'member', 'aria-label': t('app.admin.addMember') },
        ...users.filter(u => !group.members.includes(u.username) && !u.deactivated).map(u => h('option', { value: u.username }, `${u.displayName} (${u.username})`)))
      const add = h('form', { class: 'row' }, candidate, h('button', { type: 'submit', class: 'secondary' }, t('app.admin.addMember')))
      add.addEventListener('submit', event => {
        event.preventDefault()
        if (candidate.value) void attempt(() => api.setGroupMember(group.id, candidate.value, true), reload)
      })
      return h('div', { class: 'group-card', 'data-group': group.name },
        h('div', { class: 'row-inline' }, h('h3', {}, group.name), h('span', { class: 'muted small' }, t('app.admin.memberCount', { n: group.members.length })),
          h('span', { class: 'spacer' }),
          h('button', { type: 'button', class: 'link danger-text small', onclick: () => void attempt(() => api.deleteGroup(group.id), reload) }, t('app.admin.delete'))),
        h('ul', { class: 'chips' }, ...group.members.map(member => h('li', {}, displayName.get(member) ?? member,
          h('button', { type: 'button', class: 'icon', 'aria-label': t('app.sharing.remove'), onclick: () => void attempt(() => api.setGroupMember(group.id, member, false), reload) }, '×')))),
        add)
    })
    return [form, ...(cards.length ? cards : [h('p', { class: 'muted' }, t('app.admin.noGroups'))])]
  })
}

function partnersPanel(context: AppContext): HTMLElement {
  const { api } = context
  return panel(() => api.partners(), (partners: PartnerOrg[], reload) => {
    const name = h('input', { name: 'partnerName', placeholder: t('app.admin.partnerName'), required: true })
    const form = h('form', { class: 'row' }, name, h('button', { type: 'submit' }, t('app.admin.add')))
    form.addEventListener('submit', event => {
      event.preventDefault()
      void attempt(() => api.createPartner(name.value.trim()), reload)
    })
    const rename = async (partner: PartnerOrg) => {
      const newName = await promptText(t('app.admin.renamePartner'), t('app.admin.partnerName'), partner.name)
      if (newName && newName !== partner.name) await attempt(() => api.renamePartner(partner.id, newName), reload)
    }
    // A refusal (users still belong to it) shows the server's message, which names them.
    const remove = (partner: PartnerOrg) => void attempt(() => api.deletePartner(partner.id), reload, t('app.admin.partnerDeleted', { name: partner.name }))
    const rows = [...partners].sort((a, b) => a.name.localeCompare(b.name)).map(p => h('li', { 'data-partner': p.id },
      h('span', { class: 'grow' }, p.name), h('code', { class: 'muted small' }, p.id),
      h('button', { type: 'button', class: 'link small', onclick: () => void rename(p) }, t('app.admin.rename')),
      h('button', { type: 'button', class: 'link danger-text small', onclick: () => remove(p) }, t('app.admin.delete'))))
    return [form, rows.length ? h('ul', { class: 'rows', 'data-testid': 'partners' }, ...rows) : h('p', { class: 'muted' }, t('app.admin.noPartners'))]
  })
}

function policyPanel(context: AppContext): HTMLElement {
  const { api } = context
  return panel(() => Promise.all([api.policy(), api.partners()]), ([policy, partners], reload) => {
    const mode = (value: 'on' | 'trusted' | 'off') => h('label', { class: 'check' },
      h('input', { type: 'radio', name: 'externalSharing', value, checked: policy.externalSharing === value }),
      h('span', {}, t(`app.policy.${value}`), h('small', { class: 'muted' }, t(`app.policy.${value}Help`))))
    const trusted = partners.map(p => h('label', { class: 'check inline' },
      h('input', { type: 'checkbox', name: 'trusted', value: p.id, checked: policy.trustedPartnerOrgs.includes(p.id) }), p.name))
    const form = h('form', { class: 'stack' },
      h('fieldset', {}, h('legend', {}, t('app.policy.external')), mode('on'), mode('trusted'), mode('off')),
      h('fieldset', {}, h('legend', {}, t('app.policy.trustedOrgs')), ...(trusted.length ? trusted : [h('p', { class: 'muted' }, t('app.admin.noPartners'))])),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('app.save'))))
    form.addEventListener('submit', event => {
      event.preventDefault()
      const data = new FormData(form)
      void attempt(() => api.setPolicy({
        externalSharing: (data.get('externalSharing') ?? 'on') as 'on' | 'trusted' | 'off',
        trustedPartnerOrgs: data.getAll('trusted').map(String),
      }), reload, t('app.saved'))
    })
    return [form]
  })
}

function linksPanel(context: AppContext): HTMLElement {
  const { api } = context
  return panel(() => api.allLinks(), (links, reload) => {
    const active = links.filter(link => !link.revoked)
    return [h('ul', { class: 'rows', 'data-testid': 'all-links' },
      ...active.map(link => linkRow(link, () => void attempt(() => api.revokeLink(link.id), reload))),
      active.length === 0 && h('li', { class: 'muted' }, t('app.links.none')))]
  })
}

function linkRow(link: ShareLink, revoke: () => void): HTMLElement {
  const { summary, created } = linkDetails(link)
  return h('li', {},
    h('span', { class: 'grow' }, summary, h('small', { class: 'muted' }, created)),
    h('button', { type: 'button', class: 'link danger-text', onclick: revoke }, t('app.links.revoke')))
}

function auditPanel(context: AppContext): HTMLElement {
  const actor = h('input', { name: 'actor', placeholder: t('app.audit.actor') })
  const action = h('input', { name: 'action', placeholder: t('app.audit.action'), list: 'audit-actions' })
  const target = h('input', { name: 'target', placeholder: t('app.audit.target') })
  const from = h('input', { name: 'from', type: 'datetime-local', title: t('app.audit.from') })
  const to = h('input', { name: 'to', type: 'datetime-local', title: t('app.audit.to') })
  const actions = ['auth.login', 'auth.login-failed', 'auth.locked-out', 'auth.unlocked', 'directory.user-created', 'directory.user-deactivated', 'policy.changed',
    'access.grant-added', 'access.grant-removed', 'access.denied', 'link.created', 'link.used', 'link.revoked', 'access.revoked', 'content.export']
  const body = h('tbody')
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, t('app.audit.more'))
  let before: number | undefined
  const pageSize = 100
  const load = async (append: boolean) => {
    try {
      const iso = (value: string) => value ? new Date(value).toISOString() : undefined
      const records = await context.api.audit({ actor: actor.value.trim(), action: action.value.trim(), target: target.value.trim(), from: iso(from.value), to: iso(to.value), limit: pageSize, before: append ? before : undefined })
      const rows = records.map(r => h('tr', {},
        h('td', { class: 'nowrap' }, formatTime(r.time)), h('td', {}, r.actor), h('td', {}, h('code', {}, r.action)),
        h('td', {}, r.target ?? ''), h('td', { class: 'muted' }, r.detail ?? ''), h('td', { class: 'muted' }, r.sourceAddress ?? '')))
      if (append) body.append(...rows)
      else body.replaceChildren(...rows)
      if (!append && records.length === 0) body.replaceChildren(h('tr', {}, h('td', { colspan: '6', class: 'muted' }, t('app.audit.none'))))
      before = records.at(-1)?.sequence
      more.hidden = records.length < pageSize
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }
  more.addEventListener('click', () => void load(true))
  const form = h('form', { class: 'row wrap' }, actor, action, target, from, to, h('button', { type: 'submit' }, t('app.audit.filter')),
    h('datalist', { id: 'audit-actions' }, ...actions.map(a => h('option', { value: a }))))
  form.addEventListener('submit', event => { event.preventDefault(); void load(false) })
  void load(false)
  return h('div', { class: 'admin-panel' }, form,
    h('table', { class: 'grid', 'data-testid': 'audit' },
      h('thead', {}, h('tr', {}, ...['time', 'actor', 'action', 'target', 'detail', 'source'].map(c => h('th', {}, t(`app.audit.col.${c}`))))),
      body),
    more)
}

function previewPanel(context: AppContext): HTMLElement {
  const { api } = context
  const result = h('div', { 'data-testid': 'preview' })
  const user = h('select', { name: 'previewUser' })
  const searchQuery = h('input', { name: 'previewSearch', placeholder: t('app.preview.search') })
  api.adminUsers().then(users => user.replaceChildren(...users.map(u => h('option', { value: u.username }, `${u.displayName} (${u.username})`))),
    error => toast(errorText(error), 'bad'))
  const list = (title: string, items: { title: string; level?: string }[]) => h('section', {}, h('h3', {}, title),
    h('ul', { class: 'rows' }, ...items.map(item => h('li', {}, h('span', { class: 'grow' }, item.title), item.level ? h('span', { class: 'badge' }, levelLabel(item.level)) : null)),
      items.length === 0 && h('li', { class: 'muted' }, t('app.preview.nothing'))))
  const form = h('form', { class: 'row' }, user, searchQuery, h('button', { type: 'submit' }, t('app.preview.show')))
  form.addEventListener('submit', async event => {
    event.preventDefault()
    try {
      const [preview, hits] = await Promise.all([
        api.preview(user.value),
        searchQuery.value.trim() ? api.search(searchQuery.value.trim(), 20, user.value) : Promise.resolve(null),
      ])
      const sections = [
        list(t('app.preview.spaces'), preview.spaces),
        list(t('app.preview.pages'), preview.pages),
        list(t('app.preview.documents'), preview.documents),
      ]
      if (hits) sections.push(list(t('app.preview.searchResults'), hits.map(hit => ({ title: hit.title }))))
      result.replaceChildren(...sections)
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  })
  return h('div', { class: 'admin-panel' }, h('p', { class: 'muted' }, t('app.preview.help')), form, result)
}
