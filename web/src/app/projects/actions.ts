// The project's HTTP calls the views make (docs/projects.md, HTTP API), and the text of a refusal.
import { ApiError, type Api, type Schema } from '../../api'
export type { Schema }
import { t } from '../../i18n'
import { errorText } from '../ui'

export type ProjectSummary = Schema<'ProjectSummary'>
export type ProjectInfo = Schema<'ProjectResponse'>
export type ProjectEvent = Schema<'ProjectEvent'>
export type ProjectMetrics = Schema<'ProjectMetricsView'>
export type ItemChange = Schema<'UpdateProjectItemRequest'>
export type NodeChange = Schema<'UpdateProjectNodeRequest'>
export type NodeAction = 'start' | 'complete' | 'rollback' | 'block' | 'skip'

export const projectPath = (projectId: string) => `/project/${encodeURIComponent(projectId)}`
export const itemPath = (projectId: string, itemId: string) => `${projectPath(projectId)}/item/${encodeURIComponent(itemId)}`
export const dashboardPath = (projectId: string) => `${projectPath(projectId)}/dashboard`
export const ganttPath = (projectId: string) => `${projectPath(projectId)}/gantt`

export const projectsKey = (username: string) => ['projects', username]

export function listProjects(api: Api): Promise<ProjectSummary[]> {
  return api.call('get', '/api/projects')
}

export async function createProject(api: Api, name: string): Promise<string> {
  const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC'
  return (await api.call('post', '/api/projects', { body: { name, timeZone } })).id
}

export function describeProject(api: Api, id: string): Promise<ProjectInfo> {
  return api.call('get', '/api/projects/{id}', { path: { id } })
}

export async function createItem(api: Api, id: string, title: string, type: string): Promise<string> {
  return (await api.call('post', '/api/projects/{id}/items', { path: { id }, body: { title, type } })).id
}

export async function changeItem(api: Api, id: string, itemId: string, change: ItemChange): Promise<void> {
  await api.call('patch', '/api/projects/{id}/items/{itemId}', { path: { id, itemId }, body: change })
}

export async function changeNodeFields(api: Api, id: string, itemId: string, key: string, change: NodeChange): Promise<void> {
  await api.call('patch', '/api/projects/{id}/items/{itemId}/nodes/{key}', { path: { id, itemId, key }, body: change })
}

/** A node's workflow step; `reason` for roll-back, block and skip, `override` for an admin's early start. */
export async function nodeAction(api: Api, id: string, itemId: string, key: string, action: NodeAction, options: { reason?: string; override?: boolean } = {}): Promise<void> {
  const path = { id, itemId, key }
  switch (action) {
    case 'start': await api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/start', { path, body: { override: options.override ?? false } }); break
    case 'complete': await api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/complete', { path }); break
    case 'rollback': await api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/rollback', { path, body: { reason: options.reason ?? '' } }); break
    case 'block': await api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/block', { path, body: { reason: options.reason ?? '' } }); break
    case 'skip': await api.call('post', '/api/projects/{id}/items/{itemId}/nodes/{key}/skip', { path, body: { reason: options.reason ?? null } }); break
  }
}

export function itemHistory(api: Api, id: string, itemId: string): Promise<ProjectEvent[]> {
  return api.call('get', '/api/projects/{id}/items/{itemId}/history', { path: { id, itemId }, query: { limit: 200 } })
}

/** Sets the item's planned dates; the server moves the items that depend on it. */
export async function rescheduleItem(api: Api, id: string, itemId: string, plannedStart: string, plannedEnd: string): Promise<void> {
  await api.call('post', '/api/projects/{id}/items/{itemId}/reschedule', { path: { id, itemId }, body: { plannedStart, plannedEnd } })
}

export async function setDependency(api: Api, id: string, itemId: string, predecessorId: string, lag: number): Promise<void> {
  await api.call('put', '/api/projects/{id}/items/{itemId}/dependencies/{predecessorId}', { path: { id, itemId, predecessorId }, body: { lag } })
}

export async function removeDependency(api: Api, id: string, itemId: string, predecessorId: string): Promise<void> {
  await api.call('delete', '/api/projects/{id}/items/{itemId}/dependencies/{predecessorId}', { path: { id, itemId, predecessorId } })
}

export function projectMetrics(api: Api, id: string): Promise<ProjectMetrics> {
  return api.call('get', '/api/projects/{id}/metrics', { path: { id } })
}

const knownCodes = new Set(['not-owner', 'not-admin', 'read-only', 'predecessors-pending', 'invalid-transition', 'unknown-item', 'unknown-node', 'invalid', 'dependency-cycle'])

/** The problem code of a refused call (`urn:spotter-collab:problem:<code>`), or null. */
export function problemCode(error: unknown): string | null {
  if (!(error instanceof ApiError)) return null
  const match = /urn:spotter-collab:problem:([a-z-]+)/.exec(error.message)
  return match ? match[1] : null
}

/** A refusal in the person's language: the project's own codes get their own sentence, with the server's detail. */
export function projectErrorText(error: unknown): string {
  const code = problemCode(error)
  if (code && knownCodes.has(code)) {
    const detail = code === 'invalid' ? errorText(error) : ''
    return detail ? `${t(`projects.error.${code}`)} ${detail}` : t(`projects.error.${code}`)
  }
  return errorText(error)
}
