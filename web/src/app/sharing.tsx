// The sharing panel for a resource the user manages: grants (with a directory picker), restricted / no-export,
// version-history audience (spaces), "who has access and why", and share links. Its own chunk, loaded when first
// opened; shown in a dialog (src/app/dialogs.tsx).
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useId, useRef, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { levels, type AccessEntry, type DirectoryEntry, type Level, type LinkScope, type ResourceSettings, type Schema, type ShareLink } from '../api'
import { t } from '../i18n'
import { confirmAccessChange } from './accessChange'
import type { AppContext } from './context'
import { showDialog, useDialogs } from './dialogs'
import { errorText, formatTime } from './ui'

export type ResourceKind = 'space' | 'page' | 'document'

/** A picker entry: a directory hit, with the username beside a person's name. */
type PickerEntry = DirectoryEntry & { detail?: string }

export function openSharing(context: AppContext, resourceId: string, title: string, kind: ResourceKind): void {
  if (context.isPartner) return // partners never manage and never see the directory
  showDialog({
    title: t('app.sharing.title', { title }),
    wide: true,
    testId: 'sharing',
    render: () => <SharingPanel context={context} resourceId={resourceId} kind={kind} />,
  })
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

/** A share link in one line: scope, role, password, expiry (the admin page's list uses it too). */
export function linkDetails(link: ShareLink): { summary: string; created: string } {
  const summary = [
    t(`app.links.scope.${String(link.scope).toLowerCase()}`),
    levelLabel(link.role),
    link.hasPassword ? t('app.links.withPassword') : '',
    link.expiresAt ? t('app.links.expiresAt', { time: formatTime(link.expiresAt) }) : t('app.links.noExpiry'),
  ].filter(Boolean).join(' · ')
  return { summary, created: ` — ${t('app.links.createdBy', { user: link.createdBy, time: formatTime(link.createdAt) })}` }
}

/** The redemption route of this app. */
export function linkUrl(token: string): string {
  return `${location.origin}/link#${encodeURIComponent(token)}`
}

function SharingPanel({ context, resourceId, kind }: { context: AppContext; resourceId: string; kind: ResourceKind }) {
  const { t } = useTranslation()
  const { api } = context
  const queries = useQueryClient()
  const [message, setMessage] = useState('')
  const fail = (error: unknown) => setMessage(errorText(error))
  // Never shown from an earlier opening: grants and links change from other places.
  const load = <T,>(part: string, fetch: () => Promise<T>) => ({ queryKey: ['sharing', context.user.username, resourceId, part], queryFn: fetch, gcTime: 0 })
  const grants = useQuery(load('grants', () => api.grants(resourceId)))
  const access = useQuery(load('access', () => api.access(resourceId)))
  const links = useQuery(load('links', () => api.links(resourceId)))
  const settings = useQuery(load('settings', () => api.settings(resourceId)))
  const reload = (...parts: string[]) => Promise.all(parts.map(part => queries.refetchQueries({ queryKey: ['sharing', context.user.username, resourceId, part] })))
  const failure = grants.error ?? access.error ?? links.error
  const grantNames = new Map((grants.data ?? []).filter(grant => grant.displayName).map(grant => [grant.principal, grant.displayName!]))

  const attempt = async (action: () => Promise<unknown>, ...parts: string[]) => {
    try {
      await action()
      setMessage('')
      await reload(...parts)
    } catch (error) {
      fail(error)
    }
  }

  return (
    <div className="sharing-panel">
      <section>
        <h3>{t('app.sharing.grants')}</h3>
        <ul className="rows" data-testid="grants">
          {grants.data?.map(grant => (
            <li key={grant.id}>
              <span className="grow">{principalLabel(grant.principal, grant.displayName ?? undefined)}</span>
              <span className="badge">{levelLabel(grant.level)}</span>
              <button type="button" className="link danger-text" aria-label={t('app.sharing.remove')}
                onClick={() => void attempt(() => api.removeGrant(resourceId, grant.id), 'grants', 'access')}>{t('app.sharing.remove')}</button>
            </li>
          ))}
          {grants.data?.length === 0 ? <li className="muted">{t('app.sharing.noGrants')}</li> : null}
        </ul>
        <AddGrant context={context} onAdd={(principal, level) => attempt(() => api.addGrant(resourceId, principal, level), 'grants', 'access')}
          onMissing={() => setMessage(t('app.sharing.pickPrincipal'))} />
        <Flags context={context} resourceId={resourceId} kind={kind} settings={settings.data} onSaved={() => { setMessage(''); void reload('access') }}
          onFailed={error => { fail(error); void reload('grants', 'settings') }} />
      </section>
      <section>
        <h3>{t('app.sharing.whoHasAccess')}</h3>
        <table className="grid" data-testid="access">
          <thead><tr><th>{t('app.sharing.who')}</th><th>{t('app.sharing.level')}</th><th>{t('app.sharing.why')}</th></tr></thead>
          <tbody>
            {access.data?.map((entry, i) => (
              <tr key={i}>
                <td>{entry.displayName || principalLabel(entry.principal)}</td>
                <td><span className="badge">{levelLabel(entry.level)}</span></td>
                <td className="muted">{why(entry, grantNames)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h3>{t('app.links.title')}</h3>
        <ul className="rows" data-testid="links">
          {links.data?.filter(link => !link.revoked).map(link => (
            <LinkRow key={link.id} link={link} onRevoke={() => void attempt(() => api.revokeLink(link.id), 'links')} />
          ))}
          {links.data && !links.data.some(link => !link.revoked) ? <li className="muted">{t('app.links.none')}</li> : null}
        </ul>
        <CreateLink context={context} resourceId={resourceId} onCreated={() => { setMessage(''); void reload('links') }} onFailed={fail} />
      </section>
      <p className="error" role="alert">{message || (failure ? errorText(failure) : '')}</p>
    </div>
  )
}

function AddGrant({ context, onAdd, onMissing }: { context: AppContext; onAdd: (principal: string, level: Level) => Promise<void>; onMissing: () => void }) {
  const { t } = useTranslation()
  const [level, setLevel] = useState<Level>('view')
  const [text, setText] = useState('')
  const [chosen, setChosen] = useState<PickerEntry | null>(null)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    // A user name typed without picking counts as that user.
    const typed = text.trim()
    const principal = chosen?.principal ?? (/^[a-z0-9][a-z0-9_.-]*$/i.test(typed) ? `user:${typed.toLowerCase()}` : null)
    if (!principal) { onMissing(); return }
    await onAdd(principal, level)
    setText('')
    setChosen(null)
  }
  return (
    <form className="row" data-testid="add-grant" onSubmit={event => void submit(event)}>
      <PrincipalPicker context={context} text={text} onText={value => { setText(value); setChosen(null) }}
        onChoose={entry => { setChosen(entry); setText(pickedText(entry)) }} />
      <select name="level" value={level} onChange={event => setLevel(event.target.value as Level)} aria-label={t('app.sharing.level')}>
        {levels.map(l => <option key={l} value={l}>{levelLabel(l)}</option>)}
      </select>
      <button type="submit">{t('app.sharing.add')}</button>
    </form>
  )
}

function pickedText(entry: PickerEntry): string {
  return entry.kind === 'user' ? `${entry.name}${entry.detail && entry.detail !== entry.name ? ` (${entry.detail})` : ''}` : principalLabel(entry.principal, entry.name)
}

/** A text box that searches the directory as you type; "everyone in the company" is always offered. */
function PrincipalPicker({ context, text, onText, onChoose }: { context: AppContext; text: string; onText: (value: string) => void; onChoose: (entry: PickerEntry) => void }) {
  const { t } = useTranslation()
  const listId = useId()
  const [results, setResults] = useState<PickerEntry[] | null>(null)
  const request = useRef(0)
  const company: PickerEntry = { principal: 'company', kind: 'company', name: t('app.principal.company') }
  const search = (value: string) => {
    onText(value)
    const q = value.trim()
    const mine = ++request.current
    if (!q) { setResults([company]); return }
    context.api.searchDirectory(q).then(found => {
      if (mine !== request.current) return
      const companyMatches = company.name.toLowerCase().includes(q.toLowerCase()) || 'company'.includes(q.toLowerCase())
      // Users are told apart by their user name; "company" may come from the server too.
      const hits: PickerEntry[] = found.filter(entry => entry.principal !== company.principal)
        .map(entry => entry.kind === 'user' ? { ...entry, detail: entry.principal.slice('user:'.length) } : entry)
      setResults([...(companyMatches || found.length !== hits.length ? [company] : []), ...hits])
    }, () => { if (mine === request.current) setResults([]) })
  }
  const open = results !== null && results.length > 0
  return (
    <div className="picker">
      <input name="principal" placeholder={t('app.sharing.searchPeople')} aria-label={t('app.sharing.searchPeople')} autoComplete="off"
        role="combobox" aria-expanded={open} aria-controls={listId} aria-autocomplete="list" value={text}
        onChange={event => search(event.target.value)}
        onFocus={() => { if (!text) setResults([company]) }}
        onKeyDown={event => {
          if (event.key !== 'Escape' || !open) return
          // Closes the list, not the dialog around it.
          event.preventDefault()
          setResults(null)
        }} />
      <ul className="picker-results" role="listbox" id={listId} hidden={!open}>
        {(results ?? []).map(entry => (
          <li key={entry.principal}>
            <button type="button" role="option" aria-selected={false} data-principal={entry.principal} onClick={() => { onChoose(entry); setResults(null) }}>
              <span className={`kind kind-${entry.kind}`}>{t(`app.kind.${String(entry.kind).toLowerCase()}`)}</span>
              {entry.kind === 'user' ? entry.name : principalLabel(entry.principal, entry.name)}
              {entry.detail && entry.detail !== entry.name ? <small className="muted">{` ${entry.detail}`}</small> : null}
            </button>
          </li>
        ))}
      </ul>
    </div>
  )
}

type Settings = ResourceSettings
type FlagValues = Schema<'SettingsRequest'>

/** The resource's own flags (not inherited ones); undecided until they arrive. */
function Flags({ context, resourceId, kind, settings, onSaved, onFailed }: {
  context: AppContext
  resourceId: string
  kind: ResourceKind
  settings: Settings | undefined
  onSaved: () => void
  onFailed: (error: unknown) => void
}) {
  const { t } = useTranslation()
  const { api } = context
  const [flags, setFlags] = useState<FlagValues>({})
  // The server's values, once they arrive, unless the user has changed one meanwhile.
  useEffect(() => { if (settings) setFlags(current => ({ ...settings, ...current })) }, [settings])
  const save = async (change: FlagValues) => {
    setFlags(current => ({ ...current, ...change }))
    try {
      await api.updateSettings(resourceId, change)
      onSaved()
    } catch (error) {
      setFlags(current => ({ ...current, ...settings }))
      onFailed(error)
    }
  }
  const restrict = async (wanted: boolean) => {
    // Restricting (or opening up) changes who can read the resource: show who gains or loses access first.
    try {
      const change = await api.previewRestricted(resourceId, wanted)
      if (!await confirmAccessChange(change, t(wanted ? 'app.access.restrictTitle' : 'app.access.unrestrictTitle'), t('app.access.confirm'))) return
    } catch (error) {
      onFailed(error)
      return
    }
    await save({ restricted: wanted })
  }
  return (
    <>
      <div className="toggles">
        <label className="check">
          <Checkbox name="restricted" checked={flags.restricted} onChange={value => void restrict(value)} />
          <span>{t('app.sharing.restricted')}<small className="muted">{t(`app.sharing.restrictedHelp.${kind}`)}</small></span>
        </label>
        <label className="check">
          <Checkbox name="noExport" checked={flags.noExport} onChange={value => void save({ noExport: value })} />
          <span>{t('app.sharing.noExport')}<small className="muted">{t('app.sharing.noExportHelp')}</small></span>
        </label>
      </div>
      {kind === 'space' ? (
        // Spaces: who besides editors sees version history and resolved threads (partners and links only when ticked).
        <div className="toggles" data-testid="history-settings">
          <label>{t('app.sharing.history.label')}{' '}
            <select name="history" data-testid="history-audience" value={flags.history ?? 'editors'}
              onChange={event => void save({ history: event.target.value as Schema<'HistoryAudience'> })}>
              {(['editors', 'commenters', 'viewers'] as const).map(value => <option key={value} value={value}>{t(`app.sharing.history.${value}`)}</option>)}
            </select>
          </label>
          <label className="check">
            <Checkbox name="guestHistory" checked={flags.guestHistory} onChange={value => void save({ guestHistory: value })} />
            <span>{t('app.sharing.history.guests')}<small className="muted">{t('app.sharing.history.guestsHelp')}</small></span>
          </label>
        </div>
      ) : null}
    </>
  )
}

/** A checkbox that shows "undecided" while its value is unknown. */
function Checkbox({ name, checked, onChange }: { name: string; checked: boolean | undefined | null; onChange: (value: boolean) => void }) {
  const box = useRef<HTMLInputElement>(null)
  useEffect(() => { if (box.current) box.current.indeterminate = checked === undefined || checked === null }, [checked])
  return <input ref={box} type="checkbox" name={name} checked={checked ?? false} onChange={event => onChange(event.target.checked)} />
}

/** One share link in a list: what it grants, who made it when, and its revoke button. */
export function LinkRow({ link, onRevoke }: { link: ShareLink; onRevoke: () => void }) {
  const { t } = useTranslation()
  const { summary, created } = linkDetails(link)
  return (
    <li>
      <span className="grow">{summary}<small className="muted">{created}</small></span>
      <button type="button" className="link danger-text" onClick={onRevoke}>{t('app.links.revoke')}</button>
    </li>
  )
}

function CreateLink({ context, resourceId, onCreated, onFailed }: { context: AppContext; resourceId: string; onCreated: () => void; onFailed: (error: unknown) => void }) {
  const { t } = useTranslation()
  const { toast } = useDialogs()
  const [scope, setScope] = useState<LinkScope>('company')
  const [role, setRole] = useState<Level>('view')
  const [password, setPassword] = useState('')
  const [expires, setExpires] = useState('')
  const [url, setUrl] = useState<string | null>(null)
  const field = useRef<HTMLInputElement>(null)
  // Outsiders never get more than comment; signed-in employees may also edit through a company link.
  const allowed: Level[] = scope === 'anyone' ? ['view', 'comment'] : ['view', 'comment', 'edit']
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    try {
      const expiresAt = expires ? new Date(`${expires}T23:59:59`).toISOString() : undefined
      const link = await context.api.createLink(resourceId, { scope, role, password: password || undefined, expiresAt })
      setUrl(linkUrl(link.token))
      setPassword('')
      onCreated()
    } catch (error) {
      onFailed(error)
    }
  }
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url ?? '')
      toast(t('app.links.copied'))
    } catch {
      field.current?.select()
    }
  }
  return (
    <>
      <form className="row wrap" data-testid="create-link" onSubmit={event => void submit(event)}>
        <select name="scope" value={scope} aria-label={t('app.links.title')}
          onChange={event => {
            const next = event.target.value as LinkScope
            setScope(next)
            if (next === 'anyone' && role === 'edit') setRole('view')
          }}>
          <option value="company">{t('app.links.scope.company')}</option>
          <option value="anyone">{t('app.links.scope.anyone')}</option>
        </select>
        <select name="role" value={role} aria-label={t('app.sharing.level')} onChange={event => setRole(event.target.value as Level)}>
          {allowed.map(l => <option key={l} value={l}>{levelLabel(l)}</option>)}
        </select>
        <input name="linkPassword" type="password" placeholder={t('app.links.password')} aria-label={t('app.links.password')} autoComplete="new-password"
          value={password} onChange={event => setPassword(event.target.value)} />
        <input name="expires" type="date" title={t('app.links.expires')} aria-label={t('app.links.expires')} value={expires} onChange={event => setExpires(event.target.value)} />
        <button type="submit">{t('app.links.create')}</button>
      </form>
      {url ? (
        <div className="created-link" data-testid="created-link">
          <p className="small">{t('app.links.onceOnly')}</p>
          <div className="row">
            <input ref={field} readOnly value={url} data-testid="link-url" aria-label={t('app.links.title')} />
            <button type="button" className="secondary" onClick={() => void copy()}>{t('app.links.copy')}</button>
          </div>
        </div>
      ) : null}
    </>
  )
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
