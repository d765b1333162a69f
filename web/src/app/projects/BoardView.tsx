// The board: items as cards in columns by status or by workflow node, with filters and swimlanes by assignee.
// Dropping a card on a column runs the node commands that move it there (start, complete, roll back, block); the
// server checks the rules, and the card moves when the board's document changes, for everyone watching.
import { useMemo, useState, type DragEvent, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import { t } from '../../i18n'
import type { AppContext } from '../context'
import { askText, showToast } from '../dialogs'
import { createItem, itemPath, nodeAction, projectErrorText, type NodeAction, type ProjectInfo } from './actions'
import { currentNode, itemStatuses, priorities, startableNodes, type BoardItem, type BoardSnapshot } from './board'

const dragType = 'text/x-spotter-item'
const doneColumn = '__done'

type GroupBy = 'status' | 'node'
interface Filters { assignee: string; type: string; priority: string; label: string }
interface Column { key: string; title: string }
interface Step { node: string; action: NodeAction; reason?: string }

/** Today (yyyy-MM-dd) in the project's zone: "overdue" is judged there. */
export function projectToday(timeZone: string): string {
  try {
    return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date())
  } catch {
    return new Date().toISOString().slice(0, 10)
  }
}

export function isOverdue(item: BoardItem, today: string): boolean {
  return item.status !== 'done' && item.plannedEnd !== null && item.plannedEnd < today
}

export function BoardView({ context, projectId, snapshot, info }: { context: AppContext; projectId: string; snapshot: BoardSnapshot; info: ProjectInfo }) {
  const { t } = useTranslation()
  const [groupBy, setGroupBy] = useState<GroupBy>('status')
  const [nodeType, setNodeType] = useState<string>('')
  const [lanes, setLanes] = useState(false)
  const [filters, setFilters] = useState<Filters>({ assignee: '', type: '', priority: '', label: '' })
  const canEdit = info.role !== 'viewer'
  const today = projectToday(snapshot.timeZone)

  const people = useMemo(() => [...new Set([...info.members.map(m => m.username), ...snapshot.items.flatMap(i => i.assignees)])].sort(), [info, snapshot])
  const labels = useMemo(() => [...new Set(snapshot.items.flatMap(i => i.labels))].sort(), [snapshot])
  const typeNames = new Map(snapshot.types.map(type => [type.key, type.name]))
  // By node, one workflow at a time: the chosen type, else the first type that has items.
  const shownType = nodeType || snapshot.items[0]?.type || snapshot.types[0]?.key || ''
  const template = snapshot.types.find(type => type.key === shownType)

  const items = snapshot.items.filter(item =>
    (!filters.assignee || item.assignees.includes(filters.assignee))
    && (!filters.type || item.type === filters.type)
    && (!filters.priority || item.priority === filters.priority)
    && (!filters.label || item.labels.includes(filters.label))
    && (groupBy === 'status' || item.type === shownType))

  const columns: Column[] = groupBy === 'status'
    ? itemStatuses.map(status => ({ key: status, title: t(`projects.status.${status}`) }))
    : [...(template?.nodes ?? []).map(node => ({ key: node.key, title: node.name })), { key: doneColumn, title: t('projects.status.done') }]
  const columnOf = (item: BoardItem): string => groupBy === 'status'
    ? (item.status === 'skipped' ? 'done' : item.status)
    : item.status === 'done' ? doneColumn : currentNode(item)?.key ?? doneColumn

  const laneKeys = lanes ? [...new Set(items.flatMap(item => (item.assignees.length ? item.assignees : ['']))).values()].sort((a, b) => (a === '' ? 1 : b === '' ? -1 : a.localeCompare(b))) : [null]

  const drop = async (itemId: string, target: string) => {
    const item = snapshot.items.find(i => i.id === itemId)
    if (!item || columnOf(item) === target) return
    const steps = groupBy === 'status' ? await statusSteps(item, target) : await nodeSteps(item, target, columnOf(item))
    if (steps === null) return
    if (steps.length === 0) {
      showToast(t('projects.move.nothing'), 'bad')
      return
    }
    try {
      for (const step of steps) await nodeAction(context.api, projectId, item.id, step.node, step.action, { reason: step.reason })
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    }
  }

  return (
    <div className="board-area">
      <div className="board-toolbar" role="toolbar" aria-label={t('projects.board')}>
        <label>{t('projects.groupBy')}{' '}
          <select value={groupBy} data-testid="group-by" onChange={e => setGroupBy(e.target.value as GroupBy)}>
            <option value="status">{t('projects.groupBy.status')}</option>
            <option value="node">{t('projects.groupBy.node')}</option>
          </select>
        </label>
        {groupBy === 'node' ? (
          <label>{t('projects.type')}{' '}
            <select value={shownType} data-testid="node-type" onChange={e => setNodeType(e.target.value)}>
              {snapshot.types.map(type => <option key={type.key} value={type.key}>{type.name}</option>)}
            </select>
          </label>
        ) : null}
        <FilterSelect label={t('projects.assignee')} value={filters.assignee} testId="filter-assignee" options={people.map(p => [p, p])} onChange={assignee => setFilters({ ...filters, assignee })} />
        {groupBy === 'status' ? <FilterSelect label={t('projects.type')} value={filters.type} testId="filter-type" options={snapshot.types.map(type => [type.key, type.name])} onChange={type => setFilters({ ...filters, type })} /> : null}
        <FilterSelect label={t('projects.priority')} value={filters.priority} testId="filter-priority" options={priorities.map(p => [p, t(`projects.priority.${p}`)])} onChange={priority => setFilters({ ...filters, priority })} />
        <FilterSelect label={t('projects.label')} value={filters.label} testId="filter-label" options={labels.map(l => [l, l])} onChange={label => setFilters({ ...filters, label })} />
        <label className="check"><input type="checkbox" checked={lanes} data-testid="swimlanes" onChange={e => setLanes(e.target.checked)} />{t('projects.swimlanes')}</label>
        <span className="spacer" />
        {canEdit ? <NewItemForm context={context} projectId={projectId} snapshot={snapshot} /> : null}
      </div>
      <div className="board" data-testid="board" style={{ gridTemplateColumns: `repeat(${columns.length}, minmax(12rem, 1fr))` }}>
        {columns.map(column => <div key={column.key} className="column-title">{column.title} <span className="muted">{items.filter(i => columnOf(i) === column.key).length}</span></div>)}
        {laneKeys.map(lane => (
          <Lane key={lane ?? 'all'} lane={lane} columns={columns} span={columns.length}
            items={lane === null ? items : items.filter(item => (lane === '' ? item.assignees.length === 0 : item.assignees.includes(lane)))}
            columnOf={columnOf} canDrag={canEdit} projectId={projectId} today={today} typeNames={typeNames} onDrop={(id, target) => void drop(id, target)} />
        ))}
      </div>
    </div>
  )
}

function Lane({ lane, columns, span, items, columnOf, canDrag, projectId, today, typeNames, onDrop }: {
  lane: string | null
  columns: Column[]
  span: number
  items: BoardItem[]
  columnOf: (item: BoardItem) => string
  canDrag: boolean
  projectId: string
  today: string
  typeNames: Map<string, string>
  onDrop: (itemId: string, column: string) => void
}) {
  const { t } = useTranslation()
  return (
    <>
      {lane !== null ? <div className="lane-title" style={{ gridColumn: `span ${span}` }} data-testid="lane" data-lane={lane}>{lane || t('projects.unassigned')}</div> : null}
      {columns.map(column => (
        <DropColumn key={column.key} column={column} canDrop={canDrag} onDrop={onDrop}>
          {items.filter(item => columnOf(item) === column.key).map(item => (
            <Card key={item.id} item={item} projectId={projectId} canDrag={canDrag} overdue={isOverdue(item, today)} typeName={typeNames.get(item.type) ?? item.type} />
          ))}
        </DropColumn>
      ))}
    </>
  )
}

function DropColumn({ column, canDrop, onDrop, children }: { column: Column; canDrop: boolean; onDrop: (itemId: string, column: string) => void; children: React.ReactNode }) {
  const [over, setOver] = useState(false)
  const handlers = canDrop ? {
    onDragOver: (event: DragEvent) => {
      if (!event.dataTransfer.types.includes(dragType)) return
      event.preventDefault()
      setOver(true)
    },
    onDragLeave: () => setOver(false),
    onDrop: (event: DragEvent) => {
      event.preventDefault()
      setOver(false)
      const id = event.dataTransfer.getData(dragType)
      if (id) onDrop(id, column.key)
    },
  } : {}
  return (
    <ul className={over ? 'column drop' : 'column'} data-testid="column" data-column={column.key} aria-label={column.title} {...handlers}>
      {children}
    </ul>
  )
}

function Card({ item, projectId, canDrag, overdue, typeName }: { item: BoardItem; projectId: string; canDrag: boolean; overdue: boolean; typeName: string }) {
  const { t } = useTranslation()
  const done = item.nodes.filter(n => n.status === 'done' || n.status === 'skipped').length
  const drag = canDrag ? {
    draggable: true,
    onDragStart: (event: DragEvent) => {
      event.dataTransfer.setData(dragType, item.id)
      event.dataTransfer.effectAllowed = 'move'
    },
  } : {}
  return (
    <li className={`card priority-${item.priority}`} data-testid="card" data-item-id={item.id} {...drag}>
      <Link to={itemPath(projectId, item.id)} className="card-title">{item.title}</Link>
      <div className="card-meta">
        <span className="badge">{typeName}</span>
        <span className={`badge priority ${item.priority}`}>{t(`projects.priority.${item.priority}`)}</span>
        {overdue ? <span className="badge overdue" data-testid="overdue">{t('projects.overdue')}</span> : null}
        <span className="muted small" title={t('projects.nodesDone')}>{done}/{item.nodes.length}</span>
      </div>
      {item.assignees.length ? <div className="card-people small">{item.assignees.join(', ')}</div> : null}
    </li>
  )
}

function FilterSelect({ label, value, options, onChange, testId }: { label: string; value: string; options: [string, string][]; onChange: (value: string) => void; testId: string }) {
  const { t } = useTranslation()
  return (
    <label>{label}{' '}
      <select value={value} data-testid={testId} onChange={e => onChange(e.target.value)}>
        <option value="">{t('projects.all')}</option>
        {options.map(([key, text]) => <option key={key} value={key}>{text}</option>)}
      </select>
    </label>
  )
}

function NewItemForm({ context, projectId, snapshot }: { context: AppContext; projectId: string; snapshot: BoardSnapshot }) {
  const { t } = useTranslation()
  const [type, setType] = useState('task')
  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault()
    const form = event.currentTarget
    const input = form.elements.namedItem('title') as HTMLInputElement
    const title = input.value.trim()
    if (!title) return
    try {
      await createItem(context.api, projectId, title, type)
      input.value = ''
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    }
  }
  return (
    <form className="new-item" onSubmit={event => void submit(event)}>
      <input name="title" placeholder={t('projects.item.newTitle')} aria-label={t('projects.item.newTitle')} data-testid="new-item-title" maxLength={200} />
      <select value={type} aria-label={t('projects.type')} data-testid="new-item-type" onChange={e => setType(e.target.value)}>
        {snapshot.types.map(item => <option key={item.key} value={item.key}>{item.name}</option>)}
      </select>
      <button type="submit" data-testid="new-item">{t('projects.item.add')}</button>
    </form>
  )
}

async function reason(titleKey: string): Promise<string | null> {
  const answer = (await askText(t(titleKey), t('projects.reason')))?.trim()
  return answer ? answer : null
}

/** The node commands that move a card to a status column; null when the person cancelled. */
async function statusSteps(item: BoardItem, target: string): Promise<Step[] | null> {
  const inProgress = item.nodes.filter(n => n.status === 'in_progress')
  switch (target) {
    case 'in_progress': {
      if (item.status === 'done') {
        const last = [...item.nodes].reverse().find(n => n.status === 'done')
        if (!last) return []
        const why = await reason('projects.reason.rollback')
        return why === null ? null : [{ node: last.key, action: 'rollback', reason: why }]
      }
      const next = startableNodes(item)[0]
      return next ? [{ node: next.key, action: 'start' }] : []
    }
    case 'done':
      return inProgress.map(n => ({ node: n.key, action: 'complete' as const }))
    case 'blocked': {
      const node = inProgress[0] ?? startableNodes(item)[0]
      if (!node) return []
      const why = await reason('projects.reason.block')
      return why === null ? null : [{ node: node.key, action: 'block', reason: why }]
    }
    default:
      return []
  }
}

/** The node commands that move a card to a node column: finish the node it is at, then start (or roll back to) the
 *  target; the done column completes what is in progress. */
async function nodeSteps(item: BoardItem, target: string, from: string): Promise<Step[] | null> {
  const steps: Step[] = []
  const source = item.nodes.find(n => n.key === from)
  if (target === doneColumn) return item.nodes.filter(n => n.status === 'in_progress').map(n => ({ node: n.key, action: 'complete' as const }))
  const node = item.nodes.find(n => n.key === target)
  if (!node) return []
  if (node.status === 'done') {
    const why = await reason('projects.reason.rollback')
    return why === null ? null : [{ node: node.key, action: 'rollback', reason: why }]
  }
  if (source?.status === 'in_progress') steps.push({ node: source.key, action: 'complete' })
  if (node.status === 'not_started' || node.status === 'blocked') steps.push({ node: node.key, action: 'start' })
  return steps
}
