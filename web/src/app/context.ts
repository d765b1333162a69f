// What every part of the signed-in shell needs: the API as this user, who they are, the hub connection.
import type { Api, Level, Me } from '../api'
import type { CollabConnection } from '../provider'
import type { SignedIn } from './session'

export interface AppContext {
  api: Api
  me: Me
  user: SignedIn
  connection: CollabConnection
  /** Partner users see only what is shared with them: no directory, no admin, no new spaces. */
  isPartner: boolean
}

const order: Level[] = ['none', 'view', 'comment', 'edit', 'manage']

/** `level` is at least `needed`. */
export function atLeast(level: Level | string | undefined, needed: Level): boolean {
  return order.indexOf(String(level ?? 'none').toLowerCase() as Level) >= order.indexOf(needed)
}

export const pagePath = (spaceId: string, pageId: string) => `/space/${encodeURIComponent(spaceId)}/page/${encodeURIComponent(pageId)}`
export const spacePath = (spaceId: string) => `/space/${encodeURIComponent(spaceId)}`
export const docPath = (docId: string) => `/doc/${encodeURIComponent(docId)}`
