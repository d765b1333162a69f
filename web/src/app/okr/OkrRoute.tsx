// The OKR area, its own chunk: "My OKRs" for a cycle (create objectives), an objective's page (key results, check-ins,
// progress live from the objective's Y document) and the company alignment graph.
import { useQueries, useQuery, useQueryClient } from '@tanstack/react-query'
import { lazy, Suspense, useEffect, useState, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate, useParams, useSearchParams } from 'react-router'
import type { AppContext } from '../context'
import { askText, showToast } from '../dialogs'
import { useShell } from '../Shell'
import { errorText } from '../ui'
import {
  checkIn, checkIns, createKeyResult, createObjective, describeObjective, graphPath, listCycles, listObjectives,
  objectivePath, okrPath, percent, type Cycle, type KeyResult, type Objective,
} from './actions'
import { Description } from './Description'
import { useLiveObjective } from './live'
import './okr.css'

const AlignmentGraph = lazy(() => import('./AlignmentGraph'))

const cyclesKey = (username: string) => ['okr-cycles', username]
const objectiveKey = (username: string, id: string) => ['okr-objective', username, id]

/** The cycle named in the address, else the first active one, else the latest. */
function useCycle(context: AppContext): { cycles: Cycle[] | undefined; cycle: Cycle | null; error: unknown; select: (id: string) => void } {
  const [params, setParams] = useSearchParams()
  const cycles = useQuery({ queryKey: cyclesKey(context.user.username), queryFn: () => listCycles(context.api) })
  const wanted = params.get('cycle')
  const cycle = cycles.data?.find(c => c.id === wanted) ?? cycles.data?.find(c => c.status === 'active') ?? cycles.data?.[0] ?? null
  return { cycles: cycles.data, cycle, error: cycles.error, select: id => setParams({ cycle: id }) }
}

export function ProgressBar({ value, testId }: { value: number; testId?: string }) {
  return (
    <span className="okr-bar" role="progressbar" aria-valuemin={0} aria-valuemax={100} aria-valuenow={Math.round(value * 100)} data-testid={testId}>
      <span className="okr-bar-fill" style={{ width: percent(value) }} />
      <span className="okr-bar-label">{percent(value)}</span>
    </span>
  )
}

function CyclePicker({ cycles, cycle, select }: { cycles: Cycle[]; cycle: Cycle; select: (id: string) => void }) {
  const { t } = useTranslation()
  return (
    <label className="okr-cycle">
      {t('okr.cycle')}{' '}
      <select value={cycle.id} onChange={event => select(event.target.value)} data-testid="okr-cycle">
        {cycles.map(c => <option key={c.id} value={c.id}>{c.name} ({t(`okr.cycleStatus.${c.status}`)})</option>)}
      </select>
    </label>
  )
}

export function MyOkrsPage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const navigate = useNavigate()
  const queries = useQueryClient()
  const { cycles, cycle, error, select } = useCycle(context)
  const me = context.user.username
  const mine = useQuery({
    queryKey: ['okr-mine', me, cycle?.id],
    queryFn: () => listObjectives(context.api, cycle!.id, me),
    enabled: cycle !== null,
  })
  // Each card's status comes from the objective itself (the list answers progress only).
  const details = useQueries({
    queries: (mine.data ?? []).map(o => ({ queryKey: objectiveKey(me, o.id), queryFn: () => describeObjective(context.api, o.id) })),
  })
  useEffect(() => { document.title = t('okr.mine') }, [t])
  const create = async () => {
    if (!cycle) return
    const title = (await askText(t('okr.objective.new'), t('okr.objective.title')))?.trim()
    if (!title) return
    try {
      const id = await createObjective(context.api, cycle.id, title)
      await queries.invalidateQueries({ queryKey: ['okr-mine', me] })
      navigate(objectivePath(id))
    } catch (failure) {
      showToast(errorText(failure), 'bad')
    }
  }
  return (
    <section className="view okr" data-testid="okr-mine">
      <header className="okr-header">
        <h1>{t('okr.mine')}</h1>
        {cycles && cycle ? <CyclePicker cycles={cycles} cycle={cycle} select={select} /> : null}
        {cycle ? <Link to={graphPath(cycle.id)} data-testid="okr-graph-link">{t('okr.graph')}</Link> : null}
        {cycle && cycle.status !== 'closed'
          ? <button type="button" onClick={() => void create()} data-testid="new-objective">{t('okr.objective.new')}</button> : null}
      </header>
      {error ? <p className="error">{errorText(error)}</p>
        : !cycles ? <p className="muted">{t('app.loading')}</p>
        : !cycle ? <p className="muted">{t('okr.noCycles')}</p>
        : mine.isError ? <p className="error">{errorText(mine.error)}</p>
        : !mine.data ? <p className="muted">{t('app.loading')}</p>
        : mine.data.length === 0 ? <p className="muted">{t('okr.none')}</p>
        : (
          <ul className="okr-list" data-testid="okr-list">
            {mine.data.map((o, index) => {
              const status = details[index]?.data?.status
              return (
                <li key={o.id} data-objective-id={o.id}>
                  <Link to={objectivePath(o.id)} className="okr-title">{o.title}</Link>
                  <ProgressBar value={o.progress} />
                  <span className={`okr-status ${status ?? ''}`} data-testid="okr-status">{status ? t(`okr.status.${status}`) : ''}</span>
                </li>
              )
            })}
          </ul>
        )}
    </section>
  )
}

export function ObjectivePage() {
  const { context } = useShell()
  const { objectiveId = '' } = useParams()
  return <ObjectiveView key={objectiveId} context={context} objectiveId={objectiveId} />
}

function ObjectiveView({ context, objectiveId }: { context: AppContext; objectiveId: string }) {
  const { t } = useTranslation()
  const info = useQuery({ queryKey: objectiveKey(context.user.username, objectiveId), queryFn: () => describeObjective(context.api, objectiveId) })
  const { doc, live, synced } = useLiveObjective(context.connection, objectiveId)
  useEffect(() => { if (info.data) document.title = info.data.title }, [info.data])
  if (info.isError) return <section className="view"><p className="error">{errorText(info.error)}</p></section>
  if (!info.data) return <section className="view"><p className="muted">{t('app.loading')}</p></section>
  const objective = info.data
  // The live read model wins once synced; the HTTP answer fills in until then.
  const progress = synced && live.value !== null ? live.value : objective.progress
  const status = synced && live.status ? live.status : objective.status
  return (
    <section className="view okr objective" data-testid="objective">
      <header className="okr-header">
        <h1 data-testid="objective-title">{objective.title}</h1>
        <Link to={okrPath(objective.cycleId)}>{t('okr.mine')}</Link>
        <Link to={graphPath(objective.cycleId)}>{t('okr.graph')}</Link>
      </header>
      <dl className="okr-facts">
        <dt>{t('okr.owners')}</dt><dd data-testid="objective-owners">{objective.owners.join(', ')}</dd>
        {objective.contributors.length > 0 ? <><dt>{t('okr.contributors')}</dt><dd>{objective.contributors.join(', ')}</dd></> : null}
        <dt>{t('okr.category')}</dt><dd>{t(`okr.category.${objective.category}`)}</dd>
        <dt>{t('okr.progress')}</dt><dd><ProgressBar value={progress} testId="objective-progress" /></dd>
        <dt>{t('okr.statusLabel')}</dt><dd className={`okr-status ${status}`} data-testid="objective-status">{t(`okr.status.${status}`)}</dd>
      </dl>
      <h2>{t('okr.description')}</h2>
      {doc && synced
        ? <Description doc={doc} editable={objective.role === 'owner' || objective.role === 'contributor'} />
        : <p className="muted">{t('app.loading')}</p>}
      <h2>{t('okr.keyResults')}</h2>
      {objective.keyResults.length === 0 ? <p className="muted">{t('okr.keyResults.none')}</p> : (
        <ul className="okr-krs" data-testid="key-results">
          {objective.keyResults.map(kr => (
            <KeyResultRow key={kr.id} context={context} objective={objective} kr={kr} live={synced ? live.keyResults[kr.id] : undefined} />
          ))}
        </ul>
      )}
      {objective.role === 'owner' ? <NewKeyResult context={context} objectiveId={objectiveId} /> : null}
    </section>
  )
}

function KeyResultRow({ context, objective, kr, live }: { context: AppContext; objective: Objective; kr: KeyResult; live?: { progress: number; current: number } }) {
  const { t } = useTranslation()
  const [open, setOpen] = useState(false)
  const history = useQuery({ queryKey: ['okr-check-ins', context.user.username, kr.id], queryFn: () => checkIns(context.api, kr.id) })
  const current = live?.current ?? kr.current
  const canCheckIn = objective.role === 'owner' || objective.role === 'contributor'
  return (
    <li data-kr-id={kr.id}>
      <div className="okr-kr-head">
        <strong>{kr.title}</strong>
        <span className="muted small">{t('okr.kr.range', { start: kr.start, target: kr.target, current, unit: kr.unit ?? '' })}</span>
        <ProgressBar value={live?.progress ?? kr.progress} testId="kr-progress" />
        {canCheckIn ? <button type="button" onClick={() => setOpen(!open)} data-testid="check-in-open">{t('okr.checkIn')}</button> : null}
      </div>
      {open ? <CheckInForm context={context} objectiveId={objective.id} keyResultId={kr.id} initial={current} onDone={() => setOpen(false)} /> : null}
      <details className="okr-history">
        <summary>{t('okr.history', { n: history.data?.length ?? 0 })}</summary>
        {history.data && history.data.length > 0 ? (
          <table data-testid="check-in-history">
            <thead><tr><th>{t('okr.checkIn.at')}</th><th>{t('okr.checkIn.author')}</th><th>{t('okr.checkIn.value')}</th><th>{t('okr.checkIn.confidence')}</th><th>{t('okr.checkIn.note')}</th></tr></thead>
            <tbody>
              {[...history.data].reverse().map(c => (
                <tr key={`${c.at}-${c.author}-${c.value}`}>
                  <td>{new Date(c.at).toLocaleString()}</td><td>{c.source ? t('okr.checkIn.automatic') : c.author}</td>
                  <td>{c.value}</td><td>{c.confidence ?? ''}</td><td>{c.note ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        ) : <p className="muted small">{t('okr.history.none')}</p>}
      </details>
    </li>
  )
}

function CheckInForm({ context, objectiveId, keyResultId, initial, onDone }: { context: AppContext; objectiveId: string; keyResultId: string; initial: number; onDone: () => void }) {
  const { t } = useTranslation()
  const queries = useQueryClient()
  const [value, setValue] = useState(String(initial))
  const [confidence, setConfidence] = useState('7')
  const [note, setNote] = useState('')
  const [busy, setBusy] = useState(false)
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    const number = Number(value)
    const level = Number(confidence)
    if (!Number.isFinite(number) || !Number.isInteger(level) || level < 0 || level > 10) { showToast(t('okr.checkIn.invalid'), 'bad'); return }
    setBusy(true)
    try {
      await checkIn(context.api, keyResultId, number, level, note.trim())
      await Promise.all([
        queries.invalidateQueries({ queryKey: ['okr-check-ins', context.user.username, keyResultId] }),
        queries.invalidateQueries({ queryKey: objectiveKey(context.user.username, objectiveId) }),
      ])
      onDone()
    } catch (failure) {
      showToast(errorText(failure), 'bad')
    } finally {
      setBusy(false)
    }
  }
  return (
    <form className="okr-form" onSubmit={event => void submit(event)} data-testid="check-in-form">
      <label>{t('okr.checkIn.value')} <input name="value" type="number" step="any" required value={value} onChange={e => setValue(e.target.value)} /></label>
      <label>{t('okr.checkIn.confidence')} <input name="confidence" type="number" min={0} max={10} step={1} required value={confidence} onChange={e => setConfidence(e.target.value)} /></label>
      <label>{t('okr.checkIn.note')} <input name="note" maxLength={2000} value={note} onChange={e => setNote(e.target.value)} /></label>
      <button type="submit" disabled={busy}>{t('okr.checkIn.save')}</button>
    </form>
  )
}

function NewKeyResult({ context, objectiveId }: { context: AppContext; objectiveId: string }) {
  const { t } = useTranslation()
  const queries = useQueryClient()
  const [title, setTitle] = useState('')
  const [start, setStart] = useState('0')
  const [target, setTarget] = useState('100')
  const [unit, setUnit] = useState('')
  const submit = async (event: FormEvent) => {
    event.preventDefault()
    try {
      await createKeyResult(context.api, objectiveId, { title: title.trim(), start: Number(start), target: Number(target), unit: unit.trim() || undefined })
      setTitle('')
      await queries.invalidateQueries({ queryKey: objectiveKey(context.user.username, objectiveId) })
    } catch (failure) {
      showToast(errorText(failure), 'bad')
    }
  }
  return (
    <form className="okr-form" onSubmit={event => void submit(event)} data-testid="new-key-result">
      <h3>{t('okr.kr.new')}</h3>
      <label>{t('okr.kr.title')} <input name="title" required value={title} onChange={e => setTitle(e.target.value)} /></label>
      <label>{t('okr.kr.start')} <input name="start" type="number" step="any" required value={start} onChange={e => setStart(e.target.value)} /></label>
      <label>{t('okr.kr.target')} <input name="target" type="number" step="any" required value={target} onChange={e => setTarget(e.target.value)} /></label>
      <label>{t('okr.kr.unit')} <input name="unit" value={unit} onChange={e => setUnit(e.target.value)} /></label>
      <button type="submit">{t('okr.kr.add')}</button>
    </form>
  )
}

export function AlignmentGraphPage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const { cycles, cycle, error, select } = useCycle(context)
  useEffect(() => { document.title = t('okr.graph') }, [t])
  return (
    <section className="view okr" data-testid="okr-graph-page">
      <header className="okr-header">
        <h1>{t('okr.graph')}</h1>
        {cycles && cycle ? <CyclePicker cycles={cycles} cycle={cycle} select={select} /> : null}
        {cycle ? <Link to={okrPath(cycle.id)}>{t('okr.mine')}</Link> : null}
      </header>
      {error ? <p className="error">{errorText(error)}</p>
        : !cycles ? <p className="muted">{t('app.loading')}</p>
        : !cycle ? <p className="muted">{t('okr.noCycles')}</p>
        : <Suspense fallback={<p className="muted">{t('app.loading')}</p>}><AlignmentGraph key={cycle.id} context={context} cycleId={cycle.id} /></Suspense>}
    </section>
  )
}
