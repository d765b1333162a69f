// An item's panel beside the board: its fields (editable by members), its workflow nodes with owners, status, dates
// and the actions the caller may take, and its recorded history. Read from the live board, so it changes as others
// work; the history is fetched again whenever the item changes.
import { useQuery } from '@tanstack/react-query'
import { useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { formatDateTime, t } from '../../i18n'
import type { AppContext } from '../context'
import { askText, showToast } from '../dialogs'
import { changeItem, changeNodeFields, itemHistory, nodeAction, projectErrorText, projectPath, removeDependency, setDependency, type NodeAction, type ProjectEvent, type ProjectInfo } from './actions'
import { isOverdue, projectToday } from './BoardView'
import { priorities, type BoardItem, type BoardNode, type BoardSnapshot } from './board'

const list = (value: string): string[] => value.split(',').map(v => v.trim()).filter(Boolean)

export function ItemPanel({ context, projectId, itemId, snapshot, info }: { context: AppContext; projectId: string; itemId: string; snapshot: BoardSnapshot; info: ProjectInfo }) {
  const { t } = useTranslation()
  const item = snapshot.items.find(i => i.id === itemId)
  const history = useQuery({ queryKey: ['project-history', context.user.username, projectId, itemId], queryFn: () => itemHistory(context.api, projectId, itemId) })
  const { refetch } = history
  // The item's snapshot is a new object whenever the item changed: its history has a new entry then. The board's
  // update can arrive just before the history entry is written (the server records it after the board change is
  // durable), so it is read once more a moment later.
  useEffect(() => {
    if (!item) return
    void refetch()
    const again = setTimeout(() => void refetch(), 1000)
    return () => clearTimeout(again)
  }, [item, refetch])
  if (!item) {
    return (
      <aside className="item-panel" data-testid="item-panel" aria-label={t('projects.item')}>
        <Link to={projectPath(projectId)} className="close">{t('app.close')}</Link>
        <p className="muted">{t('projects.item.missing')}</p>
      </aside>
    )
  }
  const canEdit = info.role !== 'viewer'
  const isAdmin = info.role === 'admin'
  const me = context.user.username
  const typeName = snapshot.types.find(type => type.key === item.type)?.name ?? item.type
  return (
    <aside className="item-panel" data-testid="item-panel" aria-label={item.title}>
      <div className="item-panel-head">
        <h2 data-testid="item-title">{item.title}</h2>
        <Link to={projectPath(projectId)} className="close" aria-label={t('app.close')}>×</Link>
      </div>
      <p className="card-meta">
        <span className="badge">{typeName}</span>
        <span className="badge" data-testid="item-status">{t(`projects.status.${item.status}`)}</span>
        {isOverdue(item, projectToday(snapshot.timeZone)) ? <span className="badge overdue">{t('projects.overdue')}</span> : null}
        <span className="muted small">{t('projects.item.created', { name: item.createdBy, time: item.createdAt ? formatDateTime(item.createdAt) : '' })}</span>
      </p>
      {canEdit ? <ItemFields key={fieldsKey(item)} context={context} projectId={projectId} item={item} /> : <ReadOnlyFields item={item} />}
      <h3>{t('projects.nodes')}</h3>
      <table className="nodes" data-testid="nodes">
        <thead><tr><th>{t('projects.node')}</th><th>{t('projects.status')}</th><th>{t('projects.owners')}</th><th>{t('projects.planned')}</th><th>{t('projects.actual')}</th><th /></tr></thead>
        <tbody>
          {item.nodes.map(node => (
            <NodeRow key={node.key} context={context} projectId={projectId} item={item} node={node}
              may={isAdmin || (canEdit && node.owners.includes(me))} isAdmin={isAdmin} />
          ))}
        </tbody>
      </table>
      <Dependencies context={context} projectId={projectId} item={item} snapshot={snapshot} canEdit={canEdit} />
      <h3>{t('projects.history')}</h3>
      <ol className="history" data-testid="history">
        {history.isError ? <li className="error">{projectErrorText(history.error)}</li>
          : !history.data ? <li className="muted">{t('app.loading')}</li>
          : history.data.length === 0 ? <li className="muted">{t('projects.history.none')}</li>
          : history.data.map(event => <li key={event.sequence}><span className="muted small">{formatDateTime(event.at)}</span> {describeEvent(event)}</li>)}
      </ol>
    </aside>
  )
}

/** The fields' form restarts with the item's values whenever they change elsewhere. */
function fieldsKey(item: BoardItem): string {
  return JSON.stringify([item.title, item.priority, item.assignees, item.labels, item.plannedStart, item.plannedEnd])
}

function ReadOnlyFields({ item }: { item: BoardItem }) {
  const { t } = useTranslation()
  return (
    <dl className="fields">
      <dt>{t('projects.priority')}</dt><dd>{t(`projects.priority.${item.priority}`)}</dd>
      <dt>{t('projects.assignees')}</dt><dd>{item.assignees.join(', ') || '—'}</dd>
      <dt>{t('projects.labels')}</dt><dd>{item.labels.join(', ') || '—'}</dd>
      <dt>{t('projects.plannedStart')}</dt><dd>{item.plannedStart ?? '—'}</dd>
      <dt>{t('projects.plannedEnd')}</dt><dd>{item.plannedEnd ?? '—'}</dd>
    </dl>
  )
}

function ItemFields({ context, projectId, item }: { context: AppContext; projectId: string; item: BoardItem }) {
  const { t } = useTranslation()
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const value = (name: string) => String(data.get(name) ?? '').trim()
    const start = value('plannedStart')
    const end = value('plannedEnd')
    setBusy(true)
    try {
      await changeItem(context.api, projectId, item.id, {
        title: value('title'),
        priority: value('priority'),
        assignees: list(value('assignees')),
        labels: list(value('labels')),
        plannedStart: start || null,
        plannedEnd: end || null,
        clearPlannedStart: !start && item.plannedStart !== null,
        clearPlannedEnd: !end && item.plannedEnd !== null,
      })
      showToast(t('app.saved'))
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="fields" data-testid="item-fields" onSubmit={event => void submit(event)}>
      <label>{t('projects.title.field')}<input name="title" defaultValue={item.title} maxLength={200} required /></label>
      <label>{t('projects.priority')}
        <select name="priority" defaultValue={item.priority}>{priorities.map(p => <option key={p} value={p}>{t(`projects.priority.${p}`)}</option>)}</select>
      </label>
      <label>{t('projects.assignees')}<input name="assignees" defaultValue={item.assignees.join(', ')} placeholder={t('projects.commaSeparated')} /></label>
      <label>{t('projects.labels')}<input name="labels" defaultValue={item.labels.join(', ')} placeholder={t('projects.commaSeparated')} /></label>
      <label>{t('projects.plannedStart')}<input name="plannedStart" type="date" defaultValue={item.plannedStart ?? ''} /></label>
      <label>{t('projects.plannedEnd')}<input name="plannedEnd" type="date" defaultValue={item.plannedEnd ?? ''} /></label>
      <div className="actions"><button type="submit" disabled={busy} data-testid="save-item">{t('app.save')}</button></div>
    </form>
  )
}

function NodeRow({ context, projectId, item, node, may, isAdmin }: { context: AppContext; projectId: string; item: BoardItem; node: BoardNode; may: boolean; isAdmin: boolean }) {
  const { t } = useTranslation()
  const run = async (action: NodeAction) => {
    let reason: string | undefined
    if (action === 'rollback' || action === 'block' || action === 'skip') {
      const answer = await askText(t(`projects.reason.${action}`), t('projects.reason'))
      if (answer === null || (action !== 'skip' && !answer.trim())) return
      reason = answer.trim() || undefined
    }
    try {
      await nodeAction(context.api, projectId, item.id, node.key, action, { reason })
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    }
  }
  const editDates = async () => {
    const answer = await askText(t('projects.node.dates'), t('projects.node.datesHelp'), [node.plannedStart ?? '', node.plannedEnd ?? '', node.estimate ?? ''].join(' / '))
    if (answer === null) return
    const [start = '', end = '', estimate = ''] = answer.split('/').map(part => part.trim())
    try {
      await changeNodeFields(context.api, projectId, item.id, node.key, {
        plannedStart: start || null, plannedEnd: end || null, estimate: estimate ? Number(estimate) : null,
        clearPlannedStart: !start && node.plannedStart !== null, clearPlannedEnd: !end && node.plannedEnd !== null, clearEstimate: !estimate && node.estimate !== null,
      })
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    }
  }
  const actions: NodeAction[] = []
  if (node.status === 'not_started' || node.status === 'blocked') actions.push('start')
  if (node.status === 'in_progress') actions.push('complete')
  if (node.status === 'done') actions.push('rollback')
  if (node.status === 'not_started' || node.status === 'in_progress') actions.push('block')
  if (isAdmin && (node.status === 'not_started' || node.status === 'blocked')) actions.push('skip')
  return (
    <tr data-testid="node" data-node={node.key}>
      <td>{node.name}</td>
      <td><span className={`badge status ${node.status}`} data-testid="node-status">{t(`projects.status.${node.status}`)}</span></td>
      <td>{node.owners.join(', ') || <span className="muted">{t('projects.noOwner')}</span>}</td>
      <td className="small">{[node.plannedStart, node.plannedEnd].filter(Boolean).join(' → ')}{node.estimate !== null ? ` (${t('projects.hours', { n: node.estimate })})` : ''}</td>
      <td className="small">{node.actualStart ? formatDateTime(node.actualStart) : ''}{node.actualEnd ? ` → ${formatDateTime(node.actualEnd)}` : ''}</td>
      <td><div className="item-node-buttons">
        {may ? actions.map(action => (
          <button key={action} type="button" className="small secondary" data-action={action} onClick={() => void run(action)}>{t(`projects.action.${action}`)}</button>
        )) : null}
        {may ? <button type="button" className="small secondary" data-action="dates" onClick={() => void editDates()}>{t('projects.node.dates')}</button> : null}
      </div></td>
    </tr>
  )
}

function Dependencies({ context, projectId, item, snapshot, canEdit }: { context: AppContext; projectId: string; item: BoardItem; snapshot: BoardSnapshot; canEdit: boolean }) {
  const { t } = useTranslation()
  const titles = new Map(snapshot.items.map(i => [i.id, i.title]))
  const candidates = snapshot.items.filter(i => i.id !== item.id && !item.dependsOn.some(d => d.item === i.id))
  const run = async (call: () => Promise<void>) => {
    try {
      await call()
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    }
  }
  const add = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const data = new FormData(event.currentTarget)
    const predecessor = String(data.get('predecessor') ?? '')
    const lag = Number(data.get('lag') ?? 0) || 0
    if (predecessor) void run(() => setDependency(context.api, projectId, item.id, predecessor, lag))
  }
  return (
    <>
      <h3>{t('projects.dependsOn')}</h3>
      <ul className="dependencies" data-testid="dependencies">
        {item.dependsOn.length === 0 ? <li className="muted small">{t('projects.dependsOn.none')}</li> : item.dependsOn.map(d => (
          <li key={d.item}>
            {titles.get(d.item) ?? d.item} <span className="muted small">{t('projects.dependency.lagDays', { n: d.lag })}</span>
            {canEdit ? <button type="button" className="small secondary" onClick={() => void run(() => removeDependency(context.api, projectId, item.id, d.item))}>{t('projects.dependency.remove')}</button> : null}
          </li>
        ))}
      </ul>
      {canEdit && candidates.length ? (
        <form className="dependency-add" onSubmit={add}>
          <select name="predecessor" aria-label={t('projects.dependsOn')} data-testid="dependency-item">
            {candidates.map(c => <option key={c.id} value={c.id}>{c.title}</option>)}
          </select>
          <label>{t('projects.dependency.lag')} <input name="lag" type="number" min={-365} max={365} defaultValue={0} /></label>
          <button type="submit" className="small" data-testid="dependency-add">{t('projects.dependency.add')}</button>
        </form>
      ) : null}
    </>
  )
}

/** One line per recorded change, in the person's language. */
function describeEvent(event: ProjectEvent): string {
  const params = { actor: event.actor, node: event.nodeKey ?? '', field: event.field ?? '', from: event.from ?? '—', to: event.to ?? '—', reason: event.reason ?? '' }
  const known = ['item.created', 'item.status_changed', 'item.field_changed', 'node.started', 'node.completed', 'node.rolled_back', 'node.status_changed']
  const text = known.includes(event.type) ? t(`projects.event.${event.type}`, params) : `${event.actor}: ${event.type}`
  return event.reason ? `${text} (${event.reason})` : text
}
