// The objective's Y document (docs/okr.md, "The objective's Y document") joined on the shell's hub connection like a
// page: the server-owned `progress` read model, read into a plain snapshot that changes whenever the server's update
// (a check-in by anyone, a new key result) arrives. The same document carries the `description` the page co-edits.
import { useEffect, useState, useSyncExternalStore } from 'react'
import * as Y from 'yjs'
import type { CollabConnection, DocumentSession } from '../../provider'

export interface LiveProgress {
  /** Null until the document has synced with a read model. */
  value: number | null
  status: string | null
  keyResults: Record<string, { progress: number; current: number; status: string }>
}

const empty: LiveProgress = { value: null, status: null, keyResults: {} }

function read(doc: Y.Doc): LiveProgress {
  const progress = doc.getMap<unknown>('progress')
  const value = progress.get('value')
  const status = progress.get('status')
  const keyResults: LiveProgress['keyResults'] = {}
  const krs = progress.get('keyResults')
  if (krs instanceof Y.Map) {
    for (const [id, entry] of (krs as Y.Map<unknown>).entries()) {
      const kr = entry instanceof Y.Map ? (entry as Y.Map<unknown>).toJSON() : entry
      if (typeof kr !== 'object' || kr === null) continue
      const { progress: p, current, status: s } = kr as { progress?: unknown; current?: unknown; status?: unknown }
      keyResults[id] = { progress: typeof p === 'number' ? p : 0, current: typeof current === 'number' ? current : 0, status: typeof s === 'string' ? s : '' }
    }
  }
  return {
    value: typeof value === 'number' ? value : null,
    status: typeof status === 'string' ? status : null,
    keyResults,
  }
}

class LiveObjective {
  readonly doc = new Y.Doc()
  readonly session: DocumentSession
  private value: LiveProgress = empty
  private readonly listeners = new Set<() => void>()

  constructor(connection: CollabConnection, objectiveId: string) {
    this.doc.on('afterTransaction', () => {
      this.value = read(this.doc)
      for (const listener of [...this.listeners]) listener()
    })
    this.session = connection.openDocument(objectiveId, this.doc)
  }

  get snapshot(): LiveProgress { return this.value }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  dispose(): void {
    this.listeners.clear()
    void this.session.leave()
    this.doc.destroy()
  }
}

/** The live read model of an objective while the view is open; `synced` once the first sync is done. */
export function useLiveObjective(connection: CollabConnection, objectiveId: string): { doc: Y.Doc | null; live: LiveProgress; synced: boolean; refused: string | null } {
  const [objective, setObjective] = useState<LiveObjective | null>(null)
  useEffect(() => {
    const opened = new LiveObjective(connection, objectiveId)
    setObjective(opened)
    return () => opened.dispose()
  }, [connection, objectiveId])
  const live = useSyncExternalStore(objective?.subscribe ?? noSubscribe, () => objective?.snapshot ?? empty)
  const [synced, setSynced] = useState(false)
  const [refused, setRefused] = useState<string | null>(null)
  useEffect(() => {
    if (!objective) return
    let active = true
    setSynced(false)
    objective.session.whenSynced().then(() => { if (active) setSynced(true) }, (error: unknown) => { if (active) setRefused(String((error as Error).message ?? error)) })
    return () => { active = false }
  }, [objective])
  return { doc: objective?.doc ?? null, live, synced, refused }
}

const noSubscribe = () => () => {}
