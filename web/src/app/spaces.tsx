// The spaces and their page trees as the shell shares them: TanStack Query caches (the sidebar, the space overview,
// the trash and the page header read the same tree, so they change in the same render), the pages the user has
// expanded, and the page actions (create, rename, move, trash) with their dialogs.
import { useQuery, useQueryClient, type QueryClient } from '@tanstack/react-query'
import { useState, useSyncExternalStore, type FormEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import type { SpaceTree, TreeNode } from '../api'
import { t } from '../i18n'
import { confirmAccessChange } from './accessChange'
import { atLeast, pagePath, spacePath, type AppContext } from './context'
import { askConfirm, askText, showDialog, showToast } from './dialogs'
import { ancestry, childrenOf, isInSubtree, pagesInOrder, parentOf } from './tree'
import { errorText } from './ui'

export const spacesKey = (context: AppContext) => ['spaces', context.user.username] as const
export const treeKey = (context: AppContext, spaceId: string) => ['tree', context.user.username, spaceId] as const

/** The spaces the user can see. */
export function useSpaces(context: AppContext) {
  return useQuery({ queryKey: spacesKey(context), queryFn: () => context.api.spaces() })
}

/**
 * A space's tree. It is kept current by the sidebar's hub watch (`TreeChanged` → invalidate), so a component that
 * mounts does not fetch it again; a fetch that answers what is cached keeps the same object (structural sharing),
 * so rows, hover and a drag under way stay.
 */
export function useSpaceTree(context: AppContext, spaceId: string | null) {
  return useQuery({
    queryKey: treeKey(context, spaceId ?? ''),
    queryFn: () => context.api.spaceTree(spaceId!),
    enabled: !!spaceId,
    staleTime: Infinity,
  })
}

/** Fetches the tree again and answers it (undefined when the fetch failed). */
async function refreshTree(queries: QueryClient, context: AppContext, spaceId: string): Promise<SpaceTree | undefined> {
  await queries.invalidateQueries({ queryKey: treeKey(context, spaceId) })
  return queries.getQueryData<SpaceTree>(treeKey(context, spaceId))
}

// ---- expanded pages: remembered for the session, across spaces and language switches ----

let expanded: ReadonlySet<string> = new Set()
const expandedListeners = new Set<() => void>()

function setExpanded(next: ReadonlySet<string>): void {
  expanded = next
  for (const listener of expandedListeners) listener()
}

export function useExpanded(): ReadonlySet<string> {
  return useSyncExternalStore(listener => {
    expandedListeners.add(listener)
    return () => expandedListeners.delete(listener)
  }, () => expanded)
}

export function expand(...pageIds: string[]): void {
  if (pageIds.every(id => expanded.has(id))) return
  setExpanded(new Set([...expanded, ...pageIds]))
}

export function collapse(pageId: string): void {
  if (!expanded.has(pageId)) return
  const next = new Set(expanded)
  next.delete(pageId)
  setExpanded(next)
}

/** Expands the ancestors of `pageId`, so the open page is visible in the tree. */
export function reveal(tree: SpaceTree, pageId: string): void {
  expand(...ancestry(tree, pageId).slice(0, -1).map(page => page.id))
}

// ---- page actions ----

export interface PageActions {
  createSpace(): Promise<void>
  createPage(tree: SpaceTree, parentId: string | null): Promise<void>
  rename(tree: SpaceTree, page: TreeNode): Promise<void>
  trash(tree: SpaceTree, page: TreeNode, openPageId: string | null): Promise<void>
  move(tree: SpaceTree, pageId: string, parentId: string, index: number): Promise<void>
  moveDialog(tree: SpaceTree, page: TreeNode): void
  share(resourceId: string, title: string, kind: 'space' | 'page'): void
}

export function usePageActions(context: AppContext): PageActions {
  const queries = useQueryClient()
  const navigate = useNavigate()
  const failed = (error: unknown) => showToast(errorText(error), 'bad')

  const move = async (tree: SpaceTree, pageId: string, parentId: string, index: number) => {
    try {
      // A new parent may change who can read the page: show who gains or loses access and have it confirmed.
      const page = tree.pages.find(p => p.id === pageId)
      if (page && page.parentId !== parentId) {
        const change = await context.api.previewMove(pageId, parentId)
        if (!await confirmAccessChange(change, t('app.access.moveTitle', { title: page.title }), t('app.page.move'))) return
      }
      await context.api.movePage(pageId, parentId, Math.max(0, index))
      await refreshTree(queries, context, tree.space.id)
    } catch (error) {
      failed(error)
    }
  }

  return {
    async createSpace() {
      const name = await askText(t('app.space.new'), t('app.space.name'))
      if (!name) return
      try {
        const id = await context.api.createSpace(name)
        await queries.invalidateQueries({ queryKey: spacesKey(context) })
        navigate(spacePath(id))
      } catch (error) {
        failed(error)
      }
    },
    async createPage(tree, parentId) {
      const title = await askText(parentId ? t('app.page.newChild') : t('app.page.new'), t('app.page.title'))
      if (!title) return
      try {
        const id = await context.api.createPage(tree.space.id, title, parentId ?? undefined)
        if (parentId) expand(parentId)
        await refreshTree(queries, context, tree.space.id)
        navigate(pagePath(tree.space.id, id))
      } catch (error) {
        failed(error)
      }
    },
    async rename(tree, page) {
      const title = await askText(t('app.page.rename'), t('app.page.title'), page.title)
      if (!title || title === page.title) return
      try {
        await context.api.renamePage(page.id, title)
        await refreshTree(queries, context, tree.space.id)
      } catch (error) {
        failed(error)
      }
    },
    async trash(tree, page, openPageId) {
      if (!await askConfirm(t('app.page.trash'), t('app.page.trashConfirm', { title: page.title }), t('app.page.trash'))) return
      try {
        await context.api.trashPage(page.id)
        const next = await refreshTree(queries, context, tree.space.id)
        // The open page went with it (it or one of its ancestors): back to the space.
        if (openPageId && (openPageId === page.id || (next && !next.pages.some(p => p.id === openPageId)))) navigate(spacePath(tree.space.id))
        showToast(t('app.page.trashed', { title: page.title }))
      } catch (error) {
        failed(error)
      }
    },
    move,
    moveDialog(tree, page) {
      showDialog({
        title: t('app.page.moveTitle', { title: page.title }),
        testId: 'move-dialog',
        render: close => <MoveForm tree={tree} page={page} onMove={(parentId, index) => {
          close()
          expand(parentId)
          void move(tree, page.id, parentId, index)
        }} />,
      })
    },
    share(resourceId, title, kind) {
      // The sharing dialog is its own chunk, loaded when first opened.
      void import('./sharing').then(sharing => sharing.openSharing(context, resourceId, title, kind))
    },
  }
}

/** "Move to…": a new parent (not inside the page itself) and a position among its children. */
function MoveForm({ tree, page, onMove }: { tree: SpaceTree; page: TreeNode; onMove: (parentId: string, index: number) => void }) {
  const { t } = useTranslation()
  const targets = [
    { id: tree.space.id, label: t('app.page.topLevel', { space: tree.space.title }) },
    ...pagesInOrder(tree)
      .filter(({ page: target }) => !isInSubtree(tree, page.id, target.id) && atLeast(target.level, 'edit'))
      .map(({ page: target, depth }) => ({ id: target.id, label: `${'\u00a0\u00a0'.repeat(depth)}${target.title}` })),
  ]
  const siblingsUnder = (parentId: string) => childrenOf(tree, parentId).filter(p => p.id !== page.id)
  // Where the page is now when it stays under the same parent, else the end.
  const defaultPosition = (parentId: string) => {
    const current = childrenOf(tree, parentId).findIndex(p => p.id === page.id)
    return parentId === parentOf(page) && current >= 0 ? current : siblingsUnder(parentId).length
  }
  const [parent, setParent] = useState(() => (targets.some(target => target.id === page.parentId) ? parentOf(page) : targets[0].id))
  const [position, setPosition] = useState(() => defaultPosition(parent))
  const submit = (event: FormEvent) => {
    event.preventDefault()
    onMove(parent, position)
  }
  return (
    <form className="stack" onSubmit={submit}>
      <label>{t('app.page.moveParent')}
        <select name="parent" value={parent} onChange={event => { setParent(event.target.value); setPosition(defaultPosition(event.target.value)) }}>
          {targets.map(target => <option key={target.id} value={target.id}>{target.label}</option>)}
        </select>
      </label>
      <label>{t('app.page.movePosition')}
        <select name="position" value={String(position)} onChange={event => setPosition(Number(event.target.value))}>
          <option value="0">{t('app.page.first')}</option>
          {siblingsUnder(parent).map((sibling, i) => <option key={sibling.id} value={String(i + 1)}>{t('app.page.after', { title: sibling.title })}</option>)}
        </select>
      </label>
      <div className="actions"><button type="submit">{t('app.page.move')}</button></div>
    </form>
  )
}
