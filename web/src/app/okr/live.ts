// The objective's Y document (docs/okr.md, "The objective's Y document") joined on the shell's hub connection like a
// page: the server-owned `progress` read model and the `description` text, read into a plain snapshot that changes
// whenever the server's update (a check-in by anyone, a new key result) arrives.
import { useEffect, useState, useSyncExternalStore } from 'react'
import * as Y from 'yjs'
import type { CollabConnection, DocumentSession } from '../../provider'

export interface LiveProgress {
  /** Null until the document has synced with a read model. */
  value: number | null
  status: string | null
  keyResults: Record<string, { progress: number; current: number; status: string }>
  /** The description's plain text (co-edited by clients; shown read-only here). */
  description: string
}

const empty: LiveProgress = { value: null, status: null, keyResults: {}, description: '' }

function plainText(node: Y.XmlFragment | Y.XmlElement): string {
  // Iterative over the description's blocks: one line per top-level block, the text of its descendants.
  const lines: string[] = []
  for (const block of node.toArray()) {
    if (block instanceof Y.XmlText) { lines.push(block.toString()); continue }
    const parts: string[] = []
    const stack: (Y.XmlElement | Y.XmlText | Y.XmlHook)[] = [block]
    while (stack.length > 0) {
      const next = stack.pop()!
      if (next instanceof Y.XmlText) parts.push(next.toDelta().map((d: { insert?: unknown }) => (typeof d.insert === 'string' ? d.insert : '')).join(''))
      else if (next instanceof Y.XmlElement) stack.push(...next.toArray().reverse())
    }
    lines.push(parts.join(''))
  }
  return lines.join('\n').trim()
}

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
    description: plainText(doc.getXmlFragment('description')),
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
export function useLiveObjective(connection: CollabConnection, objectiveId: string): { live: LiveProgress; synced: boolean; refused: string | null } {
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
  return { live, synced, refused }
}

const noSubscribe = () => () => {}
