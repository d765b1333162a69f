// The live board: a project's Y document (docs/projects.md, "The board") joined on the shell's hub connection like a
// page, read into plain snapshots. Every change anyone makes reaches the document through the hub and re-renders the
// views that read it; only the items an update touched are read again.
import { useEffect, useState, useSyncExternalStore } from 'react'
import * as Y from 'yjs'
import type { CollabConnection, DocumentSession } from '../../provider'

export type NodeStatus = 'not_started' | 'in_progress' | 'done' | 'blocked' | 'skipped'
export const itemStatuses = ['not_started', 'in_progress', 'blocked', 'done'] as const
export const priorities = ['low', 'medium', 'high', 'urgent'] as const

export interface BoardNode {
  key: string
  name: string
  order: number
  status: NodeStatus
  owners: string[]
  members: string[]
  after: string[]
  role: string | null
  plannedStart: string | null
  plannedEnd: string | null
  estimate: number | null
  actualStart: string | null
  actualEnd: string | null
}

export interface BoardItem {
  id: string
  title: string
  type: string
  status: NodeStatus
  priority: string
  assignees: string[]
  labels: string[]
  plannedStart: string | null
  plannedEnd: string | null
  createdAt: string | null
  createdBy: string
  /** In workflow order. */
  nodes: BoardNode[]
  /** Finish-to-start predecessors: this item starts at the earliest `lag` days after the day each one ends. */
  dependsOn: { item: string; lag: number }[]
}

export interface WorkflowType { key: string; name: string; nodes: { key: string; name: string; after: string[]; role: string | null }[] }

export interface BoardSnapshot {
  /** Oldest first. */
  items: BoardItem[]
  types: WorkflowType[]
  name: string
  timeZone: string
}

const text = (map: Y.Map<unknown>, key: string): string | null => {
  const value = map.get(key)
  return typeof value === 'string' ? value : null
}
const strings = (map: Y.Map<unknown>, key: string): string[] => {
  const value = map.get(key)
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : []
}

function readNode(key: string, node: Y.Map<unknown>): BoardNode {
  const order = node.get('order')
  const estimate = node.get('estimate')
  return {
    key,
    name: text(node, 'name') ?? key,
    order: typeof order === 'number' ? order : 0,
    status: (text(node, 'status') ?? 'not_started') as NodeStatus,
    owners: strings(node, 'owners'),
    members: strings(node, 'members'),
    after: strings(node, 'after'),
    role: text(node, 'role'),
    plannedStart: text(node, 'plannedStart'),
    plannedEnd: text(node, 'plannedEnd'),
    estimate: typeof estimate === 'number' ? estimate : null,
    actualStart: text(node, 'actualStart'),
    actualEnd: text(node, 'actualEnd'),
  }
}

function dependencies(value: unknown): { item: string; lag: number }[] {
  if (!Array.isArray(value)) return []
  return value.filter((d): d is { item: string; lag?: unknown } => typeof d === 'object' && d !== null && typeof (d as { item?: unknown }).item === 'string')
    .map(d => ({ item: d.item, lag: typeof d.lag === 'number' ? d.lag : 0 }))
}

export function readItem(id: string, item: Y.Map<unknown>): BoardItem {
  const nodes = item.get('nodes')
  const list: BoardNode[] = []
  if (nodes instanceof Y.Map) {
    for (const [key, node] of (nodes as Y.Map<unknown>).entries()) if (node instanceof Y.Map) list.push(readNode(key, node as Y.Map<unknown>))
  }
  list.sort((a, b) => a.order - b.order || a.key.localeCompare(b.key))
  return {
    id,
    title: text(item, 'title') ?? '',
    type: text(item, 'type') ?? '',
    status: (text(item, 'status') ?? 'not_started') as NodeStatus,
    priority: text(item, 'priority') ?? 'medium',
    assignees: strings(item, 'assignees'),
    labels: strings(item, 'labels'),
    plannedStart: text(item, 'plannedStart'),
    plannedEnd: text(item, 'plannedEnd'),
    createdAt: text(item, 'createdAt'),
    createdBy: text(item, 'createdBy') ?? '',
    nodes: list,
    dependsOn: dependencies(item.get('dependsOn')),
  }
}

function readTypes(types: Y.Map<unknown>): WorkflowType[] {
  const list: WorkflowType[] = []
  for (const [key, value] of types.entries()) {
    if (!(value instanceof Y.Map)) continue
    const type = value as Y.Map<unknown>
    const nodes = type.get('nodes')
    list.push({
      key,
      name: text(type, 'name') ?? key,
      nodes: Array.isArray(nodes) ? nodes.map((n: { key?: string; name?: string; after?: string[]; role?: string | null }) => ({
        key: String(n.key ?? ''), name: String(n.name ?? n.key ?? ''), after: Array.isArray(n.after) ? n.after : [], role: n.role ?? null,
      })) : [],
    })
  }
  return list.sort((a, b) => a.key.localeCompare(b.key))
}

/** One joined board: the session, and a snapshot kept current from the document. */
export class LiveBoard {
  readonly doc = new Y.Doc()
  readonly session: DocumentSession
  private readonly cache = new Map<string, BoardItem>()
  private snapshotValue: BoardSnapshot = { items: [], types: [], name: '', timeZone: 'UTC' }
  private readonly listeners = new Set<() => void>()
  private dirty = new Set<string>()
  private allDirty = true

  constructor(connection: CollabConnection, readonly projectId: string) {
    const items = this.doc.getMap<unknown>('items')
    items.observeDeep(events => {
      for (const event of events) {
        if (event.target === items) for (const key of event.keys.keys()) this.dirty.add(key)
        else if (typeof event.path[0] === 'string') this.dirty.add(event.path[0])
      }
    })
    this.doc.getMap('types').observeDeep(() => { this.allDirty = true })
    this.doc.getMap('project').observeDeep(() => { this.allDirty = true })
    // One snapshot per transaction, after every observer has run.
    this.doc.on('afterTransaction', () => this.refresh())
    this.session = connection.openDocument(projectId, this.doc)
    this.refresh()
  }

  get snapshot(): BoardSnapshot { return this.snapshotValue }

  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener)
    return () => this.listeners.delete(listener)
  }

  private refresh(): void {
    const items = this.doc.getMap<unknown>('items')
    if (!this.allDirty && this.dirty.size === 0) return
    if (this.allDirty) this.cache.clear()
    const touched = this.allDirty ? [...items.keys()] : [...this.dirty]
    for (const id of touched) {
      const item = items.get(id)
      if (item instanceof Y.Map) this.cache.set(id, readItem(id, item as Y.Map<unknown>))
      else this.cache.delete(id)
    }
    this.dirty = new Set()
    const project = this.doc.getMap<unknown>('project')
    const list = [...this.cache.values()].sort((a, b) => (a.createdAt ?? '').localeCompare(b.createdAt ?? '') || a.id.localeCompare(b.id))
    this.snapshotValue = {
      items: list,
      types: this.allDirty ? readTypes(this.doc.getMap<unknown>('types')) : this.snapshotValue.types,
      name: text(project, 'name') ?? '',
      timeZone: text(project, 'timeZone') ?? 'UTC',
    }
    this.allDirty = false
    for (const listener of [...this.listeners]) listener()
  }

  dispose(): void {
    this.listeners.clear()
    void this.session.leave()
    this.doc.destroy()
  }
}

// A board outlives a re-render and a move between its views (board, item, dashboard): it is released only when no
// view uses it after the route settled.
const boards = new Map<string, { board: LiveBoard; users: number; release?: ReturnType<typeof setTimeout> }>()

function acquire(connection: CollabConnection, projectId: string): LiveBoard {
  let entry = boards.get(projectId)
  if (!entry || entry.board.session.connection !== connection) {
    entry?.board.dispose()
    entry = { board: new LiveBoard(connection, projectId), users: 0 }
    boards.set(projectId, entry)
  }
  clearTimeout(entry.release)
  entry.users++
  return entry.board
}

function release(projectId: string): void {
  const entry = boards.get(projectId)
  if (!entry) return
  entry.users--
  if (entry.users > 0) return
  entry.release = setTimeout(() => {
    if (entry.users > 0 || boards.get(projectId) !== entry) return
    boards.delete(projectId)
    entry.board.dispose()
  }, 0)
}

/** The live board of the project and its current snapshot; `synced` once the first sync with the server is done. */
export function useLiveBoard(connection: CollabConnection, projectId: string): { board: LiveBoard; snapshot: BoardSnapshot; synced: boolean; refused: string | null } {
  const [board] = useState(() => acquire(connection, projectId))
  useEffect(() => () => release(projectId), [projectId])
  const snapshot = useSyncExternalStore(board.subscribe, () => board.snapshot)
  const [synced, setSynced] = useState(board.session.synced)
  const [refused, setRefused] = useState<string | null>(null)
  useEffect(() => {
    let live = true
    board.session.whenSynced().then(() => { if (live) setSynced(true) }, (error: unknown) => { if (live) setRefused(String((error as Error).message ?? error)) })
    return () => { live = false }
  }, [board])
  return { board, snapshot, synced, refused }
}

/** The node a card stands at: the first (in workflow order) in progress or blocked, else the first that may start. */
export function currentNode(item: BoardItem): BoardNode | null {
  const active = item.nodes.find(n => n.status === 'in_progress' || n.status === 'blocked')
  if (active) return active
  const finished = new Set(item.nodes.filter(n => n.status === 'done' || n.status === 'skipped').map(n => n.key))
  return item.nodes.find(n => n.status === 'not_started' && n.after.every(key => finished.has(key))) ?? null
}

/** Nodes that may start now: not started or blocked, every predecessor done or skipped. */
export function startableNodes(item: BoardItem): BoardNode[] {
  const finished = new Set(item.nodes.filter(n => n.status === 'done' || n.status === 'skipped').map(n => n.key))
  return item.nodes.filter(n => (n.status === 'not_started' || n.status === 'blocked') && n.after.every(key => finished.has(key)))
}
