// People's planned load across every project the viewer can see: each open node with planned dates and an estimate
// spreads its hours evenly over its working days (Monday to Friday; all its days when it has none) and among its
// owners; a day above the capacity is marked. Read from GET /api/projects and each project's items.
import { useQuery } from '@tanstack/react-query'
import { useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { useSearchParams } from 'react-router'
import { formatNumber } from '../../i18n'
import { useShell } from '../Shell'
import { listProjects, projectErrorText, type Schema } from './actions'
import './projects.css'

/** Hours a person can work in a day. */
export const dailyCapacity = 8
const days = 14
const msPerDay = 86_400_000

type ItemView = Schema<'ProjectItemView'>

const dayNumber = (date: string) => Math.round(Date.parse(`${date}T00:00:00Z`) / msPerDay)
const dateOf = (day: number) => new Date(day * msPerDay).toISOString().slice(0, 10)
const isWeekday = (day: number) => { const d = new Date(day * msPerDay).getUTCDay(); return d !== 0 && d !== 6 }

/** Hours per person per day (day numbers) from the items of every project. */
export function plannedLoad(items: ItemView[]): Map<string, Map<number, number>> {
  const load = new Map<string, Map<number, number>>()
  for (const item of items) {
    for (const node of item.nodes) {
      if (node.status === 'done' || node.status === 'skipped' || !node.plannedStart || !node.plannedEnd || !node.estimate || node.owners.length === 0) continue
      const first = dayNumber(node.plannedStart)
      const last = dayNumber(node.plannedEnd)
      const span = Array.from({ length: Math.max(0, last - first + 1) }, (_, i) => first + i)
      const working = span.filter(isWeekday)
      const spread = working.length ? working : span
      if (spread.length === 0) continue
      const share = node.estimate / spread.length / node.owners.length
      for (const owner of node.owners) {
        const person = load.get(owner) ?? new Map<number, number>()
        for (const day of spread) person.set(day, (person.get(day) ?? 0) + share)
        load.set(owner, person)
      }
    }
  }
  return load
}

export function WorkloadPage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const [params] = useSearchParams()
  const from = /^\d{4}-\d{2}-\d{2}$/.test(params.get('from') ?? '') ? params.get('from')! : new Date().toISOString().slice(0, 10)
  useEffect(() => { document.title = t('projects.workload') }, [t])
  const items = useQuery({
    queryKey: ['workload', context.user.username],
    queryFn: async () => {
      const projects = await listProjects(context.api)
      const lists = await Promise.all(projects.map(p => context.api.call('get', '/api/projects/{id}/items', { path: { id: p.id } })))
      return lists.flat()
    },
  })
  const start = dayNumber(from)
  const range = Array.from({ length: days }, (_, i) => start + i)
  const load = items.data ? plannedLoad(items.data) : null
  const people = load ? [...load.keys()].filter(p => range.some(day => (load.get(p)?.get(day) ?? 0) > 0)).sort() : []
  return (
    <section className="view project">
      <h1>{t('projects.workload')}</h1>
      <p className="muted">{t('projects.workload.help', { capacity: dailyCapacity })}</p>
      {items.isError ? <p className="error">{projectErrorText(items.error)}</p>
        : !load ? <p className="muted">{t('app.loading')}</p>
        : people.length === 0 ? <p className="muted">{t('projects.workload.none')}</p>
        : (
          <div className="gantt-scroll">
            <table className="workload" data-testid="workload">
              <thead>
                <tr><th>{t('projects.workload.person')}</th>{range.map(day => <th key={day} className={isWeekday(day) ? '' : 'weekend'} title={dateOf(day)}>{dateOf(day).slice(5)}</th>)}</tr>
              </thead>
              <tbody>
                {people.map(person => (
                  <tr key={person} data-person={person}>
                    <th>{person}</th>
                    {range.map(day => {
                      const hours = load.get(person)?.get(day) ?? 0
                      return (
                        <td key={day} data-day={dateOf(day)} className={hours > dailyCapacity ? 'over' : hours > 0 ? 'busy' : ''}>
                          {hours > 0 ? formatNumber(hours, { maximumFractionDigits: 1 }) : ''}
                        </td>
                      )
                    })}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
    </section>
  )
}
