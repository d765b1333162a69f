// The Gantt: scheduled items as bars on a day scale, finish-to-start dependencies as arrows, the critical (driving)
// path highlighted. Dragging a bar reschedules the item (POST …/reschedule); the server moves its dependants, and
// every bar follows the live board.
import { useMemo, useRef, useState, type PointerEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import type { AppContext } from '../context'
import { showToast } from '../dialogs'
import { itemPath, projectErrorText, rescheduleItem, type ProjectInfo } from './actions'
import type { BoardItem, BoardSnapshot } from './board'

const dayWidth = 28
const rowHeight = 34
const labelWidth = 200
const msPerDay = 86_400_000

const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / msPerDay)
const dateOf = (day: number) => new Date(day * msPerDay).toISOString().slice(0, 10)

interface Bar { item: BoardItem; start: number; end: number; row: number }

/** The items on the driving path to the latest end: walking back from it through predecessors that leave no slack. */
export function criticalItems(bars: Map<string, Bar>): Set<string> {
  const critical = new Set<string>()
  if (bars.size === 0) return critical
  const last = Math.max(...[...bars.values()].map(bar => bar.end))
  const pending = [...bars.values()].filter(bar => bar.end === last).map(bar => bar.item.id)
  while (pending.length) {
    const id = pending.pop()!
    if (critical.has(id)) continue
    critical.add(id)
    const bar = bars.get(id)!
    for (const dependency of bar.item.dependsOn) {
      const predecessor = bars.get(dependency.item)
      if (predecessor && predecessor.end + 1 + dependency.lag >= bar.start) pending.push(predecessor.item.id)
    }
  }
  return critical
}

export function Gantt({ context, projectId, snapshot, info }: { context: AppContext; projectId: string; snapshot: BoardSnapshot; info: ProjectInfo }) {
  const { t } = useTranslation()
  const canEdit = info.role !== 'viewer'
  const [drag, setDrag] = useState<{ id: string; x: number; days: number } | null>(null)
  const dragging = useRef(drag)
  dragging.current = drag

  const scheduled = snapshot.items.filter(item => item.plannedStart && item.plannedEnd)
  const bars = useMemo(() => new Map(scheduled.map((item, row) => [item.id, { item, start: dayNumber(item.plannedStart!), end: dayNumber(item.plannedEnd!), row }])), [scheduled])
  const critical = useMemo(() => criticalItems(bars), [bars])
  if (scheduled.length === 0) return <p className="muted" data-testid="gantt">{t('projects.gantt.none')}</p>

  const first = Math.min(...[...bars.values()].map(bar => bar.start)) - 2
  const last = Math.max(...[...bars.values()].map(bar => bar.end)) + 3
  const days = last - first + 1
  const width = days * dayWidth
  const height = scheduled.length * rowHeight
  const x = (day: number) => (day - first) * dayWidth
  const shift = (id: string) => (drag?.id === id ? drag.days : 0)

  const onPointerDown = (event: PointerEvent<HTMLDivElement>, id: string) => {
    if (!canEdit || event.button !== 0) return
    event.currentTarget.setPointerCapture(event.pointerId)
    setDrag({ id, x: event.clientX, days: 0 })
  }
  const onPointerMove = (event: PointerEvent<HTMLDivElement>) => {
    const current = dragging.current
    if (!current) return
    const moved = Math.round((event.clientX - current.x) / dayWidth)
    if (moved !== current.days) setDrag({ ...current, days: moved })
  }
  const onPointerUp = async () => {
    const current = dragging.current
    setDrag(null)
    if (!current || current.days === 0) return
    const bar = bars.get(current.id)
    if (!bar) return
    try {
      await rescheduleItem(context.api, projectId, current.id, dateOf(bar.start + current.days), dateOf(bar.end + current.days))
    } catch (error) {
      showToast(projectErrorText(error), 'bad')
    }
  }

  const arrows = scheduled.flatMap(item => item.dependsOn.filter(d => bars.has(d.item)).map(d => {
    const from = bars.get(d.item)!
    const to = bars.get(item.id)!
    const x1 = x(from.end + 1 + shift(from.item.id))
    const y1 = from.row * rowHeight + rowHeight / 2
    const x2 = x(to.start + shift(to.item.id))
    const y2 = to.row * rowHeight + rowHeight / 2
    const bend = x1 + 8
    return { key: `${d.item}-${item.id}`, path: `M${x1},${y1} H${bend} V${y2} H${x2 - 2}`, critical: critical.has(d.item) && critical.has(item.id) }
  }))

  return (
    <div className="gantt" data-testid="gantt">
      <p className="muted small">
        <span className="legend critical" /> {t('projects.gantt.critical')}
        {snapshot.items.length > scheduled.length ? ` · ${t('projects.gantt.unscheduled', { n: snapshot.items.length - scheduled.length })}` : ''}
      </p>
      <div className="gantt-scroll">
        <div className="gantt-grid" style={{ gridTemplateColumns: `${labelWidth}px ${width}px` }}>
          <div className="gantt-corner" />
          <div className="gantt-days" style={{ width }}>
            {Array.from({ length: days }, (_, i) => {
              const date = dateOf(first + i)
              return <span key={date} style={{ left: i * dayWidth, width: dayWidth }} className={new Date(date).getUTCDay() % 6 === 0 ? 'weekend' : ''} title={date}>{date.slice(8)}</span>
            })}
          </div>
          <ol className="gantt-labels">
            {scheduled.map(item => <li key={item.id} style={{ height: rowHeight }}><Link to={itemPath(projectId, item.id)}>{item.title}</Link></li>)}
          </ol>
          <div className="gantt-body" style={{ width, height }} onPointerMove={onPointerMove} onPointerUp={() => void onPointerUp()} onPointerCancel={() => setDrag(null)}>
            <svg className="gantt-arrows" width={width} height={height} aria-hidden="true">
              <defs>
                <marker id="gantt-arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" /></marker>
              </defs>
              {arrows.map(arrow => <path key={arrow.key} d={arrow.path} className={arrow.critical ? 'critical' : ''} markerEnd="url(#gantt-arrow)" data-testid="gantt-arrow" />)}
            </svg>
            {scheduled.map(item => {
              const bar = bars.get(item.id)!
              const moved = shift(item.id)
              return (
                <div key={item.id} data-testid="gantt-bar" data-item-id={item.id} data-start={dateOf(bar.start + moved)} data-end={dateOf(bar.end + moved)}
                  className={['gantt-bar', critical.has(item.id) ? 'critical' : '', `status-${item.status}`, drag?.id === item.id ? 'dragging' : ''].filter(Boolean).join(' ')}
                  style={{ left: x(bar.start + moved), top: bar.row * rowHeight + 6, width: (bar.end - bar.start + 1) * dayWidth - 4, height: rowHeight - 12 }}
                  title={`${item.title}: ${dateOf(bar.start + moved)} → ${dateOf(bar.end + moved)}`}
                  onPointerDown={event => onPointerDown(event, item.id)}>
                  {item.title}
                </div>
              )
            })}
          </div>
        </div>
      </div>
    </div>
  )
}
