// The project area, its own chunk: the list of projects, and a project's page (board, item panel, dashboard) on its
// live board.
import { useQuery } from '@tanstack/react-query'
import { lazy, Suspense, useEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, NavLink, useParams } from 'react-router'
import type { AppContext } from '../context'
import { useShell } from '../Shell'
import { errorText } from '../ui'
import { dashboardPath, describeProject, ganttPath, listProjects, projectPath, projectsKey } from './actions'
import { Gantt } from './Gantt'
import { BoardView } from './BoardView'
import { useLiveBoard } from './board'
import { ItemPanel } from './ItemPanel'
import './projects.css'

export { WorkloadPage } from './Workload'

const Dashboard = lazy(() => import('./Dashboard'))

export function ProjectsPage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const projects = useQuery({ queryKey: projectsKey(context.user.username), queryFn: () => listProjects(context.api), enabled: !context.isPartner })
  useEffect(() => { document.title = t('projects.title') }, [t])
  return (
    <section className="view">
      <h1>{t('projects.title')}</h1>
      <ul className="cards" data-testid="project-list">
        {projects.isPending ? <li className="muted">{t('app.loading')}</li>
          : projects.isError ? <li className="error">{errorText(projects.error)}</li>
          : projects.data.length === 0 ? <li className="muted">{t('projects.none')}</li>
          : projects.data.map(project => (
            <li key={project.id}>
              <Link className="card-link" to={projectPath(project.id)}>
                <span className="space-icon big" aria-hidden="true">▦</span>
                <strong>{project.name}</strong>
                <span className="muted small">{t(`projects.role.${project.role}`)}</span>
              </Link>
            </li>
          ))}
      </ul>
    </section>
  )
}

type View = 'board' | 'dashboard' | 'gantt'

export function ProjectPage({ view }: { view: View }) {
  const { context } = useShell()
  const { projectId = '', itemId } = useParams()
  return <Project key={projectId} context={context} projectId={projectId} itemId={itemId ?? null} view={view} />
}

function Project({ context, projectId, itemId, view }: { context: AppContext; projectId: string; itemId: string | null; view: View }) {
  const { t } = useTranslation()
  const live = useLiveBoard(context.connection, projectId)
  const info = useQuery({ queryKey: ['project', context.user.username, projectId], queryFn: () => describeProject(context.api, projectId) })
  const name = live.snapshot.name || info.data?.name || ''
  useEffect(() => { if (name) document.title = name }, [name])
  if (info.isError) return <section className="view"><p className="error">{errorText(info.error)}</p></section>
  return (
    <section className="view project" data-testid="project">
      <header className="project-header">
        <h1 data-testid="project-name">{name}</h1>
        <nav className="tabs" aria-label={t('projects.views')}>
          <NavLink to={projectPath(projectId)} end className={({ isActive }) => (isActive || (view === 'board' && itemId) ? 'tab active' : 'tab')}>{t('projects.board')}</NavLink>
          <NavLink to={ganttPath(projectId)} className={({ isActive }) => (isActive ? 'tab active' : 'tab')} data-testid="gantt-tab">{t('projects.gantt')}</NavLink>
          <NavLink to={dashboardPath(projectId)} className={({ isActive }) => (isActive ? 'tab active' : 'tab')} data-testid="dashboard-tab">{t('projects.dashboard')}</NavLink>
        </nav>
      </header>
      {live.refused ? <p className="error">{t('app.error.notFound')}</p>
        : !live.synced || !info.data ? <p className="muted">{t('app.loading')}</p>
        : view === 'gantt' ? <Gantt context={context} projectId={projectId} snapshot={live.snapshot} info={info.data} />
        : view === 'dashboard'
          ? <Suspense fallback={<p className="muted">{t('app.loading')}</p>}><Dashboard context={context} projectId={projectId} snapshot={live.snapshot} /></Suspense>
          : <>
            <BoardView context={context} projectId={projectId} snapshot={live.snapshot} info={info.data} />
            {itemId ? <ItemPanel key={itemId} context={context} projectId={projectId} itemId={itemId} snapshot={live.snapshot} info={info.data} /> : null}
          </>}
    </section>
  )
}
