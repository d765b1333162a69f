// The OKR HTTP calls the views make (docs/okr.md, HTTP API).
import type { Api, Schema } from '../../api'

export type Cycle = Schema<'OkrCycle'>
export type ObjectiveSummary = Schema<'ObjectiveSummary'>
export type Objective = Schema<'ObjectiveResponse'>
export type KeyResult = Schema<'KeyResultView'>
export type CheckIn = Schema<'OkrCheckIn'>
export type Graph = Schema<'OkrGraphResponse'>

export const okrPath = (cycleId?: string) => (cycleId ? `/okr?cycle=${encodeURIComponent(cycleId)}` : '/okr')
export const objectivePath = (id: string) => `/okr/objective/${encodeURIComponent(id)}`
export const graphPath = (cycleId: string) => `/okr/graph?cycle=${encodeURIComponent(cycleId)}`

export const statuses = ['on_track', 'at_risk', 'off_track', 'done'] as const

export function listCycles(api: Api): Promise<Cycle[]> {
  return api.call('get', '/api/okr/cycles')
}

export function listObjectives(api: Api, cycleId: string, owner?: string): Promise<ObjectiveSummary[]> {
  return api.call('get', '/api/okr/cycles/{id}/objectives', { path: { id: cycleId }, query: owner ? { owner } : {} })
}

export function describeObjective(api: Api, id: string): Promise<Objective> {
  return api.call('get', '/api/okr/objectives/{id}', { path: { id } })
}

export async function createObjective(api: Api, cycleId: string, title: string): Promise<string> {
  return (await api.call('post', '/api/okr/objectives', { body: { cycleId, title } })).id
}

export async function createKeyResult(api: Api, objectiveId: string, kr: { title: string; start: number; target: number; unit?: string }): Promise<string> {
  return (await api.call('post', '/api/okr/objectives/{id}/key-results', { path: { id: objectiveId }, body: kr })).id
}

export async function checkIn(api: Api, keyResultId: string, value: number, confidence: number, note: string): Promise<void> {
  await api.call('post', '/api/okr/key-results/{id}/check-ins', { path: { id: keyResultId }, body: { value, confidence, note: note || null } })
}

export function checkIns(api: Api, keyResultId: string): Promise<CheckIn[]> {
  return api.call('get', '/api/okr/key-results/{id}/check-ins', { path: { id: keyResultId } })
}

export function cycleGraph(api: Api, cycleId: string): Promise<Graph> {
  return api.call('get', '/api/okr/cycles/{id}/graph', { path: { id: cycleId } })
}

/** A share 0–1 as a whole percentage. */
export const percent = (value: number) => `${Math.round(Math.max(0, Math.min(1, value)) * 100)}%`
