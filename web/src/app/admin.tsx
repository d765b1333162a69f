// The administration page (admins only; the server enforces it, the shell only hides the entry): one tab per area,
// each loading what it shows when opened and again after every change it makes.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useState, type FormEvent, type ReactNode } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import type { AuditRecord, Department, DirectoryUser, Group, PartnerOrg, Policy } from '../api'
import type { AppContext } from './context'
import { askConfirm, askText, showDialog, showToast } from './dialogs'
import { LinkRow, levelLabel } from './sharing'
import { errorText, formatTime } from './ui'

export const adminTabs = ['users', 'departments', 'groups', 'partners', 'policy', 'links', 'audit', 'preview'] as const
export type AdminTab = typeof adminTabs[number]

const panels: Record<AdminTab, (props: { context: AppContext }) => ReactNode> = {
  users: UsersPanel, departments: DepartmentsPanel, groups: GroupsPanel, partners: PartnersPanel,
  policy: PolicyPanel, links: LinksPanel, audit: AuditPanel, preview: PreviewPanel,
}

export function AdminPage({ context, tab }: { context: AppContext; tab: AdminTab }) {
  const { t } = useTranslation()
  const Panel = panels[tab]
  return (
    <section className="view admin" data-testid="admin">
      <h1>{t('app.admin.title')}</h1>
      <nav className="tabs" aria-label={t('app.admin.title')}>
        {adminTabs.map(name => (
          <Link key={name} to={`/admin/${name}`} className={name === tab ? 'selected' : ''} aria-current={name === tab ? 'page' : undefined}>{t(`app.admin.${name}`)}</Link>
        ))}
      </nav>
      <Panel key={tab} context={context} />
    </section>
  )
}

/** What a panel shows, fetched when it opens (never from an earlier visit); `reload` fetches it again. */
function usePanelData<T>(context: AppContext, name: string, load: () => Promise<T>) {
  const queries = useQueryClient()
  const queryKey = ['admin', context.user.username, name]
  const data = useQuery({ queryKey, queryFn: load, gcTime: 0 })
  return { ...data, reload: () => void queries.refetchQueries({ queryKey }) }
}

function PanelState({ data, children }: { data: { isPending: boolean; error: unknown }; children: () => ReactNode }) {
  const { t } = useTranslation()
  if (data.error) return <div className="admin-panel"><p className="error">{errorText(data.error)}</p></div>
  if (data.isPending) return <div className="admin-panel"><p className="muted">{t('app.loading')}</p></div>
  return <div className="admin-panel">{children()}</div>
}

async function attempt(action: () => Promise<unknown>, then: () => void, success?: string): Promise<boolean> {
  try {
    await action()
    if (success) showToast(success)
    then()
    return true
  } catch (error) {
    showToast(errorText(error), 'bad')
    return false
  }
}

/** Runs `action` with the form's fields; the form is cleared once it succeeded. */
function submitted(action: (fields: FormData) => Promise<boolean> | undefined) {
  return (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    void action(new FormData(form))?.then(ok => { if (ok) form.reset() })
  }
}

const text = (fields: FormData, name: string) => String(fields.get(name) ?? '').trim()

function departmentPath(departments: Department[], id: string | null | undefined): string {
  const byId = new Map(departments.map(d => [d.id, d]))
  const names: string[] = []
  for (let d = id ? byId.get(id) : undefined; d && names.length < 20; d = d.parentId ? byId.get(d.parentId) : undefined) names.unshift(d.name)
  return names.join(' / ')
}

function DepartmentOptions({ departments, none }: { departments: Department[]; none: string }) {
  const sorted = [...departments].sort((a, b) => departmentPath(departments, a.id).localeCompare(departmentPath(departments, b.id)))
  return <><option value="">{none}</option>{sorted.map(d => <option key={d.id} value={d.id}>{departmentPath(departments, d.id)}</option>)}</>
}

function UsersPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { api } = context
  const data = usePanelData(context, 'users', () => Promise.all([api.adminUsers(), api.departments(), api.partners()]))
  const [kind, setKind] = useState<'employee' | 'partner'>('employee')
  return (
    <PanelState data={data}>{() => {
      const [users, departments, partners] = data.data!
      const partnerName = new Map(partners.map(p => [p.id, p.name]))
      const create = submitted(fields => {
        const isPartner = kind === 'partner'
        const username = text(fields, 'username')
        if (isPartner && !text(fields, 'partnerOrg')) { showToast(t('app.admin.needPartnerOrg'), 'bad'); return undefined }
        return attempt(() => api.adminCreateUser({
          username,
          password: String(fields.get('password') ?? ''),
          displayName: text(fields, 'displayName') || username,
          kind,
          partnerOrgId: isPartner ? text(fields, 'partnerOrg') : undefined,
          departmentId: !isPartner && text(fields, 'department') ? text(fields, 'department') : undefined,
          isAdmin: !isPartner && fields.get('isAdmin') ? true : undefined,
        }), data.reload, t('app.admin.userCreated', { name: username }))
      })
      return <>
        <h2>{t('app.admin.newUser')}</h2>
        <form className="row wrap" data-testid="create-user" onSubmit={create}>
          <input name="username" placeholder={t('app.admin.username')} aria-label={t('app.admin.username')} required autoComplete="off" />
          <input name="displayName" placeholder={t('app.admin.displayName')} aria-label={t('app.admin.displayName')} />
          <input name="password" type="password" placeholder={t('app.admin.password')} aria-label={t('app.admin.password')} required minLength={10} autoComplete="new-password" />
          <select name="kind" value={kind} onChange={event => setKind(event.target.value as 'employee' | 'partner')} aria-label={t('app.admin.col.kind')}>
            <option value="employee">{t('app.admin.employee')}</option>
            <option value="partner">{t('app.admin.partner')}</option>
          </select>
          <select name="department" hidden={kind === 'partner'} aria-label={t('app.admin.department')}>
            <DepartmentOptions departments={departments} none={t('app.admin.noDepartment')} />
          </select>
          <select name="partnerOrg" hidden={kind !== 'partner'} aria-label={t('app.admin.partner')}>
            {partners.map(p => <option key={p.id} value={p.id}>{p.name}</option>)}
          </select>
          <label className="check inline" hidden={kind === 'partner'}><input type="checkbox" name="isAdmin" />{t('app.admin.isAdmin')}</label>
          <button type="submit">{t('app.admin.createUser')}</button>
        </form>
        <h2>{t('app.admin.users')}</h2>
        <table className="grid" data-testid="users">
          <thead><tr>{['user', 'kind', 'department', 'status', 'actions'].map(c => <th key={c}>{t(`app.admin.col.${c}`)}</th>)}</tr></thead>
          <tbody>
            {[...users].sort((a, b) => a.username.localeCompare(b.username)).map(user => (
              <UserRow key={user.username} context={context} user={user} departments={departments} partnerName={partnerName} reload={data.reload} />
            ))}
          </tbody>
        </table>
      </>
    }}</PanelState>
  )
}

function UserRow({ context, user, departments, partnerName, reload }: {
  context: AppContext
  user: DirectoryUser
  departments: Department[]
  partnerName: Map<string, string>
  reload: () => void
}) {
  const { t } = useTranslation()
  const { api } = context
  const resetPassword = async () => {
    if (!await askConfirm(t('app.admin.resetPassword'), t('app.admin.resetConfirm', { name: user.displayName }), t('app.admin.resetPassword'))) return
    try {
      const { password } = await api.adminResetPassword(user.username)
      showDialog({
        title: t('app.admin.resetPassword'),
        render: () => <p data-testid="one-time-password">{t('app.admin.resetDone', { name: user.displayName, password: password ?? '' })}</p>,
      })
    } catch (error) {
      showToast(errorText(error), 'bad')
    }
  }
  const signOutEverywhere = async () => {
    if (!await askConfirm(t('app.admin.signOutEverywhere'), t('app.admin.signOutConfirm', { name: user.displayName }), t('app.admin.signOutEverywhere'))) return
    await attempt(() => api.adminSignOutEverywhere(user.username), reload, t('app.admin.signedOut', { name: user.displayName }))
  }
  return (
    <tr className={user.deactivated ? 'inactive' : ''} data-username={user.username}>
      <td><strong>{user.displayName}</strong><div className="muted small">{user.username}</div></td>
      <td>
        {user.kind === 'partner' ? t('app.admin.partnerOf', { org: partnerName.get(user.partnerOrgId ?? '') ?? user.partnerOrgId ?? '' }) : t('app.admin.employee')}
        {user.isAdmin ? <span className="badge">{t('app.admin.adminBadge')}</span> : null}
      </td>
      <td>
        {user.kind === 'partner' ? null : (
          <select name="userDepartment" aria-label={t('app.admin.department')} value={user.departmentId ?? ''}
            onChange={event => void attempt(() => api.adminUpdateUser(user.username, { departmentId: event.target.value || null }), reload)}>
            <DepartmentOptions departments={departments} none={t('app.admin.noDepartment')} />
          </select>
        )}
      </td>
      <td>{user.deactivated ? <span className="badge bad">{t('app.admin.deactivated')}</span> : <span className="badge good">{t('app.admin.active')}</span>}</td>
      <td className="row-inline">
        <button type="button" className={user.deactivated ? 'secondary small' : 'danger small'}
          onClick={() => void attempt(() => api.setUserActive(user.username, user.deactivated), reload)}>
          {user.deactivated ? t('app.admin.reactivate') : t('app.admin.deactivate')}
        </button>
        <button type="button" className="secondary small" data-action="reset-password" onClick={() => void resetPassword()}>{t('app.admin.resetPassword')}</button>
        <button type="button" className="secondary small" data-action="sign-out-everywhere" onClick={() => void signOutEverywhere()}>{t('app.admin.signOutEverywhere')}</button>
        <button type="button" className="secondary small" data-testid="unlock" title={t('app.admin.unlockHint')}
          onClick={() => void attempt(() => api.unlockUser(user.username), reload, t('app.admin.unlocked', { name: user.username }))}>{t('app.admin.unlock')}</button>
      </td>
    </tr>
  )
}

function DepartmentsPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { api } = context
  const data = usePanelData(context, 'departments', () => api.departments())
  return (
    <PanelState data={data}>{() => {
      const departments = data.data!
      const children = new Map<string | null, Department[]>()
      for (const d of [...departments].sort((a, b) => a.name.localeCompare(b.name))) {
        const parent = d.parentId ?? null
        children.set(parent, [...(children.get(parent) ?? []), d])
      }
      const remove = (d: Department) => void attempt(() => api.deleteDepartment(d.id), data.reload)
      return <>
        <form className="row" onSubmit={submitted(fields => attempt(() => api.createDepartment(text(fields, 'departmentName'), text(fields, 'parent') || undefined), data.reload))}>
          <input name="departmentName" placeholder={t('app.admin.departmentName')} aria-label={t('app.admin.departmentName')} required />
          <select name="parent" aria-label={t('app.admin.topDepartment')}><DepartmentOptions departments={departments} none={t('app.admin.topDepartment')} /></select>
          <button type="submit">{t('app.admin.add')}</button>
        </form>
        {children.has(null) ? <DepartmentTree parentId={null} childrenOf={children} depth={0} onDelete={remove} /> : <p className="muted">{t('app.admin.noDepartments')}</p>}
      </>
    }}</PanelState>
  )
}

/** Departments nest a few levels at most; the depth bound keeps a damaged parent chain from running away. */
function DepartmentTree({ parentId, childrenOf, depth, onDelete }: { parentId: string | null; childrenOf: Map<string | null, Department[]>; depth: number; onDelete: (d: Department) => void }) {
  const { t } = useTranslation()
  const departments = childrenOf.get(parentId) ?? []
  if (departments.length === 0 || depth > 20) return null
  return (
    <ul className="dept-tree">
      {departments.map(d => (
        <li key={d.id}>
          <div className="row-inline">
            <span>{d.name}</span>
            <button type="button" className="link danger-text small" onClick={() => onDelete(d)}>{t('app.admin.delete')}</button>
          </div>
          <DepartmentTree parentId={d.id} childrenOf={childrenOf} depth={depth + 1} onDelete={onDelete} />
        </li>
      ))}
    </ul>
  )
}

function GroupsPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { api } = context
  const data = usePanelData(context, 'groups', () => Promise.all([api.groups(), api.adminUsers()]))
  return (
    <PanelState data={data}>{() => {
      const [groups, users] = data.data!
      const displayName = new Map(users.map(u => [u.username, u.displayName]))
      return <>
        <form className="row" data-testid="create-group"
          onSubmit={submitted(fields => attempt(() => api.createGroup(text(fields, 'groupName')), data.reload, t('app.admin.groupCreated', { name: text(fields, 'groupName') })))}>
          <input name="groupName" placeholder={t('app.admin.groupName')} aria-label={t('app.admin.groupName')} required />
          <button type="submit">{t('app.admin.createGroup')}</button>
        </form>
        {groups.length === 0 ? <p className="muted">{t('app.admin.noGroups')}</p> : [...groups].sort((a, b) => a.name.localeCompare(b.name)).map(group => (
          <GroupCard key={group.id} context={context} group={group} users={users} displayName={displayName} reload={data.reload} />
        ))}
      </>
    }}</PanelState>
  )
}

function GroupCard({ context, group, users, displayName, reload }: { context: AppContext; group: Group; users: DirectoryUser[]; displayName: Map<string, string>; reload: () => void }) {
  const { t } = useTranslation()
  const { api } = context
  const candidates = users.filter(u => !group.members.includes(u.username) && !u.deactivated)
  return (
    <div className="group-card" data-group={group.name}>
      <div className="row-inline">
        <h3>{group.name}</h3>
        <span className="muted small">{t('app.admin.memberCount', { n: group.members.length })}</span>
        <span className="spacer" />
        <button type="button" className="link danger-text small" onClick={() => void attempt(() => api.deleteGroup(group.id), reload)}>{t('app.admin.delete')}</button>
      </div>
      <ul className="chips">
        {group.members.map(member => (
          <li key={member}>{displayName.get(member) ?? member}
            <button type="button" className="icon" aria-label={t('app.sharing.remove')} onClick={() => void attempt(() => api.setGroupMember(group.id, member, false), reload)}>×</button>
          </li>
        ))}
      </ul>
      <form className="row" onSubmit={submitted(fields => {
        const member = text(fields, 'member')
        return member ? attempt(() => api.setGroupMember(group.id, member, true), reload) : undefined
      })}>
        <select name="member" aria-label={t('app.admin.addMember')}>
          {candidates.map(u => <option key={u.username} value={u.username}>{`${u.displayName} (${u.username})`}</option>)}
        </select>
        <button type="submit" className="secondary">{t('app.admin.addMember')}</button>
      </form>
    </div>
  )
}

function PartnersPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { api } = context
  const data = usePanelData(context, 'partners', () => api.partners())
  const rename = async (partner: PartnerOrg) => {
    const name = await askText(t('app.admin.renamePartner'), t('app.admin.partnerName'), partner.name)
    if (name && name !== partner.name) await attempt(() => api.renamePartner(partner.id, name), data.reload)
  }
  // A refusal (users still belong to it) shows the server's message, which names them.
  const remove = (partner: PartnerOrg) => void attempt(() => api.deletePartner(partner.id), data.reload, t('app.admin.partnerDeleted', { name: partner.name }))
  return (
    <PanelState data={data}>{() => {
      const partners = [...data.data!].sort((a, b) => a.name.localeCompare(b.name))
      return <>
        <form className="row" onSubmit={submitted(fields => attempt(() => api.createPartner(text(fields, 'partnerName')), data.reload))}>
          <input name="partnerName" placeholder={t('app.admin.partnerName')} aria-label={t('app.admin.partnerName')} required />
          <button type="submit">{t('app.admin.add')}</button>
        </form>
        {partners.length === 0 ? <p className="muted">{t('app.admin.noPartners')}</p> : (
          <ul className="rows" data-testid="partners">
            {partners.map(p => (
              <li key={p.id} data-partner={p.id}>
                <span className="grow">{p.name}</span>
                <code className="muted small">{p.id}</code>
                <button type="button" className="link small" onClick={() => void rename(p)}>{t('app.admin.rename')}</button>
                <button type="button" className="link danger-text small" onClick={() => remove(p)}>{t('app.admin.delete')}</button>
              </li>
            ))}
          </ul>
        )}
      </>
    }}</PanelState>
  )
}

function PolicyPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { api } = context
  const data = usePanelData(context, 'policy', () => Promise.all([api.policy(), api.partners()]))
  return (
    <PanelState data={data}>{() => {
      const [policy, partners] = data.data!
      const save = submitted(fields => attempt(() => api.setPolicy({
        externalSharing: (fields.get('externalSharing') ?? 'on') as Policy['externalSharing'],
        trustedPartnerOrgs: fields.getAll('trusted').map(String),
      }), data.reload, t('app.saved')))
      // Keyed by the saved policy: the fields show it again after every save.
      return (
        <form key={JSON.stringify(policy)} className="stack" onSubmit={event => { save(event) }}>
          <fieldset>
            <legend>{t('app.policy.external')}</legend>
            {(['on', 'trusted', 'off'] as const).map(value => (
              <label key={value} className="check">
                <input type="radio" name="externalSharing" value={value} defaultChecked={policy.externalSharing === value} />
                <span>{t(`app.policy.${value}`)}<small className="muted">{t(`app.policy.${value}Help`)}</small></span>
              </label>
            ))}
          </fieldset>
          <fieldset>
            <legend>{t('app.policy.trustedOrgs')}</legend>
            {partners.length === 0 ? <p className="muted">{t('app.admin.noPartners')}</p> : partners.map(p => (
              <label key={p.id} className="check inline">
                <input type="checkbox" name="trusted" value={p.id} defaultChecked={policy.trustedPartnerOrgs.includes(p.id)} />{p.name}
              </label>
            ))}
          </fieldset>
          <div className="actions"><button type="submit">{t('app.save')}</button></div>
        </form>
      )
    }}</PanelState>
  )
}

function LinksPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const data = usePanelData(context, 'links', () => context.api.allLinks())
  return (
    <PanelState data={data}>{() => {
      const active = data.data!.filter(link => !link.revoked)
      return (
        <ul className="rows" data-testid="all-links">
          {active.map(link => <LinkRow key={link.id} link={link} onRevoke={() => void attempt(() => context.api.revokeLink(link.id), data.reload)} />)}
          {active.length === 0 ? <li className="muted">{t('app.links.none')}</li> : null}
        </ul>
      )
    }}</PanelState>
  )
}


const auditActions = ['auth.login', 'auth.login-failed', 'auth.locked-out', 'auth.unlocked', 'directory.user-created', 'directory.user-deactivated', 'policy.changed',
  'access.grant-added', 'access.grant-removed', 'access.denied', 'link.created', 'link.used', 'link.revoked', 'access.revoked', 'content.export']
const auditPageSize = 100

function AuditPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const [records, setRecords] = useState<AuditRecord[] | null>(null)
  const [more, setMore] = useState(false)
  const [filter, setFilter] = useState<FormData | null>(null)
  const load = async (fields: FormData, after: AuditRecord[]) => {
    try {
      const iso = (value: string) => value ? new Date(value).toISOString() : undefined
      const page = await context.api.audit({
        actor: text(fields, 'actor'), action: text(fields, 'action'), target: text(fields, 'target'),
        from: iso(text(fields, 'from')), to: iso(text(fields, 'to')), limit: auditPageSize, before: after.at(-1)?.sequence,
      })
      setRecords([...after, ...page])
      setMore(page.length >= auditPageSize)
    } catch (error) {
      showToast(errorText(error), 'bad')
    }
  }
  useEffect(() => {
    void load(new FormData(), [])
    // The whole log once, when the tab opens; the form filters it.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [])
  return (
    <div className="admin-panel">
      <form className="row wrap" onSubmit={event => {
        event.preventDefault()
        const fields = new FormData(event.currentTarget)
        setFilter(fields)
        void load(fields, [])
      }}>
        <input name="actor" placeholder={t('app.audit.actor')} aria-label={t('app.audit.actor')} />
        <input name="action" placeholder={t('app.audit.action')} aria-label={t('app.audit.action')} list="audit-actions" />
        <input name="target" placeholder={t('app.audit.target')} aria-label={t('app.audit.target')} />
        <input name="from" type="datetime-local" title={t('app.audit.from')} aria-label={t('app.audit.from')} />
        <input name="to" type="datetime-local" title={t('app.audit.to')} aria-label={t('app.audit.to')} />
        <button type="submit">{t('app.audit.filter')}</button>
        <datalist id="audit-actions">{auditActions.map(a => <option key={a} value={a} />)}</datalist>
      </form>
      <table className="grid" data-testid="audit">
        <thead><tr>{['time', 'actor', 'action', 'target', 'detail', 'source'].map(c => <th key={c}>{t(`app.audit.col.${c}`)}</th>)}</tr></thead>
        <tbody>
          {records?.length === 0 ? <tr><td colSpan={6} className="muted">{t('app.audit.none')}</td></tr> : null}
          {records?.map(r => (
            <tr key={r.sequence}>
              <td className="nowrap">{formatTime(r.time)}</td><td>{r.actor}</td><td><code>{r.action}</code></td>
              <td>{r.target ?? ''}</td><td className="muted">{r.detail ?? ''}</td><td className="muted">{r.sourceAddress ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {more ? <button type="button" className="secondary" onClick={() => void load(filter ?? new FormData(), records ?? [])}>{t('app.audit.more')}</button> : null}
    </div>
  )
}

function PreviewPanel({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { api } = context
  const users = useQuery({ queryKey: ['admin', context.user.username, 'preview-users'], queryFn: () => api.adminUsers(), gcTime: 0 })
  const [result, setResult] = useState<{ title: string; items: { title: string; level?: string }[] }[] | null>(null)
  const show = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const fields = new FormData(event.currentTarget)
    const user = text(fields, 'previewUser')
    const query = text(fields, 'previewSearch')
    try {
      const [preview, hits] = await Promise.all([api.preview(user), query ? api.search(query, 20, user) : Promise.resolve(null)])
      setResult([
        { title: t('app.preview.spaces'), items: preview.spaces },
        { title: t('app.preview.pages'), items: preview.pages },
        { title: t('app.preview.documents'), items: preview.documents },
        ...(hits ? [{ title: t('app.preview.searchResults'), items: hits.map(hit => ({ title: hit.title })) }] : []),
      ])
    } catch (error) {
      showToast(errorText(error), 'bad')
    }
  }
  useEffect(() => { if (users.error) showToast(errorText(users.error), 'bad') }, [users.error])
  return (
    <div className="admin-panel">
      <p className="muted">{t('app.preview.help')}</p>
      <form className="row" onSubmit={event => void show(event)}>
        <select name="previewUser" aria-label={t('app.admin.username')}>
          {users.data?.map(u => <option key={u.username} value={u.username}>{`${u.displayName} (${u.username})`}</option>)}
        </select>
        <input name="previewSearch" placeholder={t('app.preview.search')} aria-label={t('app.preview.search')} />
        <button type="submit">{t('app.preview.show')}</button>
      </form>
      <div data-testid="preview">
        {result?.map(section => (
          <section key={section.title}>
            <h3>{section.title}</h3>
            <ul className="rows">
              {section.items.map((item, i) => (
                <li key={i}><span className="grow">{item.title}</span>{item.level ? <span className="badge">{levelLabel(item.level)}</span> : null}</li>
              ))}
              {section.items.length === 0 ? <li className="muted">{t('app.preview.nothing')}</li> : null}
            </ul>
          </section>
        ))}
      </div>
    </div>
  )
}
