// The company alignment graph of a cycle (GET /api/okr/cycles/{id}/graph) drawn with React Flow: objectives and key
// results as nodes, alignments as edges from the child up to the parent, a key result hanging under its objective.
// Its own chunk, loaded when the graph is first opened.
import '@xyflow/react/dist/style.css'
import { useQuery } from '@tanstack/react-query'
import { Background, Controls, ReactFlow, type Edge, type Node } from '@xyflow/react'
import { useMemo } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import type { AppContext } from '../context'
import { errorText } from '../ui'
import { cycleGraph, objectivePath, percent, type Graph } from './actions'

const columnWidth = 240
const rowHeight = 120

/** Levels from the top: a node sits one row below the lowest of its parents (aligned-to nodes, and a key result's objective). */
export function layout(graph: Graph): { nodes: Node[]; edges: Edge[] } {
  const parents = new Map<string, string[]>()
  const known = new Set(graph.nodes.map(n => n.id))
  const addParent = (child: string, parent: string) => {
    if (!known.has(child) || !known.has(parent) || child === parent) return
    const list = parents.get(child) ?? []
    list.push(parent)
    parents.set(child, list)
  }
  for (const node of graph.nodes) if (node.id !== node.objectiveId) addParent(node.id, node.objectiveId)
  for (const a of graph.alignments) addParent(a.from, a.to)
  // Kahn's order over child → parent (the server refuses cycles; a node left over is placed at the top).
  const children = new Map<string, string[]>()
  const pending = new Map<string, number>()
  for (const node of graph.nodes) pending.set(node.id, (parents.get(node.id) ?? []).length)
  for (const [child, list] of parents) for (const parent of list) children.set(parent, [...(children.get(parent) ?? []), child])
  const level = new Map<string, number>()
  const queue = graph.nodes.filter(n => pending.get(n.id) === 0).map(n => n.id)
  for (const id of queue) level.set(id, 0)
  for (let i = 0; i < queue.length; i++) {
    const id = queue[i]
    for (const child of children.get(id) ?? []) {
      level.set(child, Math.max(level.get(child) ?? 0, (level.get(id) ?? 0) + 1))
      const left = (pending.get(child) ?? 1) - 1
      pending.set(child, left)
      if (left === 0) queue.push(child)
    }
  }
  const perRow = new Map<number, number>()
  const nodes: Node[] = graph.nodes.map(node => {
    const row = level.get(node.id) ?? 0
    const column = perRow.get(row) ?? 0
    perRow.set(row, column + 1)
    const isObjective = node.id === node.objectiveId
    return {
      id: node.id,
      position: { x: column * columnWidth, y: row * rowHeight },
      data: { label: `${node.title} · ${percent(node.progress)}` },
      className: isObjective ? 'okr-node objective' : 'okr-node key-result',
      connectable: false,
    }
  })
  const edges: Edge[] = [
    ...graph.nodes.filter(n => n.id !== n.objectiveId && known.has(n.objectiveId))
      .map(n => ({ id: `part:${n.id}`, source: n.objectiveId, target: n.id, className: 'okr-edge part' })),
    ...graph.alignments.filter(a => known.has(a.from) && known.has(a.to))
      .map(a => ({ id: `align:${a.from}->${a.to}`, source: a.to, target: a.from, className: 'okr-edge alignment', animated: true })),
  ]
  return { nodes, edges }
}

export default function AlignmentGraph({ context, cycleId }: { context: AppContext; cycleId: string }) {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const graph = useQuery({ queryKey: ['okr-graph', context.user.username, cycleId], queryFn: () => cycleGraph(context.api, cycleId) })
  const drawn = useMemo(() => (graph.data ? layout(graph.data) : null), [graph.data])
  if (graph.isError) return <p className="error">{errorText(graph.error)}</p>
  if (!graph.data || !drawn) return <p className="muted">{t('app.loading')}</p>
  if (drawn.nodes.length === 0) return <p className="muted">{t('okr.graph.none')}</p>
  const objectiveOf = new Map(graph.data.nodes.map(n => [n.id, n.objectiveId]))
  return (
    <div className="okr-graph" data-testid="okr-graph">
      <ReactFlow nodes={drawn.nodes} edges={drawn.edges} fitView nodesConnectable={false} nodesDraggable
        onNodeClick={(_, node) => navigate(objectivePath(objectiveOf.get(node.id) ?? node.id))}>
        <Background />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  )
}
