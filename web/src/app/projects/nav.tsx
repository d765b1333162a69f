// Projects in the sidebar: the projects the user can see (GET /api/projects) and a button to create one. Part of the
// shell's chunk; the project views themselves load with their own chunk.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useTranslation } from 'react-i18next'
import { Link, matchPath, useLocation, useNavigate } from 'react-router'
import type { AppContext } from '../context'
import { askText, showToast } from '../dialogs'
import { errorText } from '../ui'
import { createProject, listProjects, projectPath, projectsKey } from './actions'

export function ProjectsNav({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const queries = useQueryClient()
  const { pathname } = useLocation()
  const selected = matchPath('/project/:projectId/*', pathname)?.params.projectId ?? null
  const projects = useQuery({ queryKey: projectsKey(context.user.username), queryFn: () => listProjects(context.api), enabled: !context.isPartner })
  if (context.isPartner) return null
  const create = async () => {
    const name = (await askText(t('projects.new'), t('projects.name')))?.trim()
    if (!name) return
    try {
      const id = await createProject(context.api, name)
      await queries.invalidateQueries({ queryKey: projectsKey(context.user.username) })
      navigate(projectPath(id))
    } catch (error) {
      showToast(errorText(error), 'bad')
    }
  }
  return (
    <nav className="projects-nav" aria-label={t('projects.title')}>
      <div className="sidebar-heading">
        <Link to="/projects" className="heading-link">{t('projects.title')}</Link>
        <button type="button" className="icon" title={t('projects.new')} aria-label={t('projects.new')} data-testid="new-project"
          onClick={() => void create()}>+</button>
      </div>
      <ul className="spaces" data-testid="projects">
        {projects.isError ? <li className="error small">{errorText(projects.error)}</li>
          : !projects.data ? null
          : projects.data.length === 0 ? <li className="muted small">{t('projects.none')}</li>
          : projects.data.map(project => (
            <li key={project.id}>
              <Link to={projectPath(project.id)} className={project.id === selected ? 'space-link selected' : 'space-link'} aria-current={project.id === selected ? 'true' : undefined}>
                <span className="space-icon" aria-hidden="true">▦</span>
                <span>{project.name || project.id}</span>
              </Link>
            </li>
          ))}
      </ul>
      <Link to="/workload" className="small workload-link" data-testid="workload-link">{t('projects.workload')}</Link>
    </nav>
  )
}
