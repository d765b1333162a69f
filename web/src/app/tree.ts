// A space's page tree as the server sends it (a flat list with parent ids and sibling order), read as a tree.
import type { SpaceTree, TreeNode } from '../api'

/** A page's parent (the space itself for a top-level page; pages of a tree always have one). */
export function parentOf(page: TreeNode): string {
  return page.parentId ?? ''
}

/** Children of every parent in sibling order; a page whose parent is not visible is shown at the top level. */
export function childrenIndex(tree: SpaceTree): Map<string, TreeNode[]> {
  const known = new Set(tree.pages.map(page => page.id))
  const index = new Map<string, TreeNode[]>()
  for (const page of tree.pages) {
    // The server usually places such pages at the top level already.
    const parent = known.has(parentOf(page)) || page.parentId === tree.space.id ? parentOf(page) : tree.space.id
    const siblings = index.get(parent)
    if (siblings) siblings.push(page)
    else index.set(parent, [page])
  }
  for (const siblings of index.values()) siblings.sort((a, b) => a.order - b.order)
  return index
}

/** Children of `parentId` in sibling order. */
export function childrenOf(tree: SpaceTree, parentId: string): TreeNode[] {
  return childrenIndex(tree).get(parentId) ?? []
}

/** `pageId` is `rootId` or lies under it. */
export function isInSubtree(tree: SpaceTree, rootId: string, pageId: string): boolean {
  const byId = new Map(tree.pages.map(page => [page.id, page]))
  for (let page = byId.get(pageId), steps = 0; page && steps <= tree.pages.length; page = byId.get(parentOf(page)), steps++) {
    if (page.id === rootId) return true
  }
  return false
}

/** The chain of pages from the top level down to `pageId` (for breadcrumbs). */
export function ancestry(tree: SpaceTree, pageId: string): TreeNode[] {
  const byId = new Map(tree.pages.map(page => [page.id, page]))
  const chain: TreeNode[] = []
  for (let page = byId.get(pageId); page && chain.length < 100; page = byId.get(parentOf(page))) chain.unshift(page)
  return chain
}

/** Every page in display order (depth first) with its depth, 1 for the top level; walked without recursion. */
export function pagesInOrder(tree: SpaceTree): { page: TreeNode; depth: number }[] {
  const index = childrenIndex(tree)
  const out: { page: TreeNode; depth: number }[] = []
  const stack = [...(index.get(tree.space.id) ?? [])].reverse().map(page => ({ page, depth: 1 }))
  const seen = new Set<string>()
  while (stack.length) {
    const next = stack.pop()!
    if (seen.has(next.page.id)) continue
    seen.add(next.page.id)
    out.push(next)
    for (const child of [...(index.get(next.page.id) ?? [])].reverse()) stack.push({ page: child, depth: next.depth + 1 })
  }
  return out
}
