// The sidebar: the spaces the user can see and the selected space's page tree, kept live through the hub
// (`WatchSpace` + a `TreeChanged` notice → fetch the tree again; the server filters it per user). The selection
// comes from the URL.
import { useQueryClient } from '@tanstack/react-query'
import { useEffect, useLayoutEffect, useMemo, useState, type DragEvent, type KeyboardEvent } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, matchPath, useLocation } from 'react-router'
import type { SpaceTree, TreeNode } from '../api'
import { atLeast, pagePath, spacePath, type AppContext } from './context'
import { collapse, expand, reveal, spacesKey, treeKey, useExpanded, usePageActions, useSpaces, useSpaceTree, type PageActions } from './spaces'
import { childrenIndex, isInSubtree, parentOf } from './tree'
import { errorText } from './ui'
import { ProjectsNav } from './projects/nav'
import { OkrNav } from './okr/nav'

const dragType = 'text/x-spotter-page'

/** The space and page the current URL shows. */
function useSelection(): { spaceId: string | null; pageId: string | null } {
  const { pathname } = useLocation()
  const page = matchPath('/space/:spaceId/page/:pageId', pathname)
  if (page) return { spaceId: page.params.spaceId ?? null, pageId: page.params.pageId ?? null }
  const space = matchPath('/space/:spaceId/*', pathname)
  return { spaceId: space?.params.spaceId ?? null, pageId: null }
}

export function Sidebar({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const { spaceId, pageId } = useSelection()
  const spaces = useSpaces(context)
  const actions = usePageActions(context)
  return (
    <aside className="sidebar" aria-label={t('app.spaces')}>
      <div className="sidebar-heading">
        <span>{t('app.spaces')}</span>
        {context.isPartner ? null : (
          <button type="button" className="icon" title={t('app.space.new')} aria-label={t('app.space.new')} data-testid="new-space"
            onClick={() => void actions.createSpace()}>+</button>
        )}
      </div>
      <ul className="spaces" data-testid="spaces">
        {spaces.isError ? <li className="error">{errorText(spaces.error)}</li>
          : !spaces.data ? null
          : spaces.data.length === 0 ? <li className="muted small">{context.isPartner ? t('app.space.noneShared') : t('app.space.none')}</li>
          : spaces.data.map(space => (
            <li key={space.id}>
              <Link to={spacePath(space.id)} className={space.id === spaceId ? 'space-link selected' : 'space-link'} aria-current={space.id === spaceId ? 'true' : undefined}>
                <span className="space-icon" aria-hidden="true">{spaceTitle(space).slice(0, 1).toUpperCase()}</span>
                <span>{spaceTitle(space)}</span>
              </Link>
            </li>
          ))}
      </ul>
      {spaceId ? <SpaceSection key={spaceId} context={context} spaceId={spaceId} pageId={pageId} actions={actions} /> : null}
      <ProjectsNav context={context} />
      <OkrNav context={context} />
    </aside>
  )
}

function SpaceSection({ context, spaceId, pageId, actions }: { context: AppContext; spaceId: string; pageId: string | null; actions: PageActions }) {
  const { t } = useTranslation()
  const queries = useQueryClient()
  const tree = useSpaceTree(context, spaceId)
  const spaces = useSpaces(context)

  useEffect(() => {
    const key = treeKey(context, spaceId)
    const stop = context.connection.watchSpace(spaceId, () => void queries.invalidateQueries({ queryKey: key }))
    // A tree cached from an earlier visit may have missed changes while nobody watched it.
    void queries.invalidateQueries({ queryKey: key }, { cancelRefetch: false })
    return stop
  }, [context, queries, spaceId])

  // A space renamed or newly visible shows up in the list too; one that stopped being visible (last share removed)
  // leaves it.
  const listed = spaces.data?.some(space => space.id === spaceId) ?? true
  useEffect(() => {
    if ((tree.data && !listed) || tree.isError) void queries.invalidateQueries({ queryKey: spacesKey(context) })
  }, [context, queries, tree.data, tree.isError, listed])

  // Opening a page reveals it: its ancestors are expanded (before the paint, so the tree does not jump).
  useLayoutEffect(() => { if (tree.data && pageId) reveal(tree.data, pageId) }, [tree.data, pageId])

  if (tree.isError) return <section className="space-section"><p className="error small">{errorText(tree.error)}</p></section>
  if (!tree.data) return null
  const space = tree.data.space
  const canEditSpace = atLeast(space.level, 'edit')
  const canManageSpace = atLeast(space.level, 'manage') && !context.isPartner
  return (
    <section className="space-section">
      <div className="space-title"><Link to={spacePath(space.id)}>{space.title}</Link></div>
      <div className="space-actions">
        {canEditSpace ? <button type="button" className="small" data-testid="new-page" onClick={() => void actions.createPage(tree.data, null)}>{`+ ${t('app.page.new')}`}</button> : null}
        {canManageSpace ? <button type="button" className="small secondary" onClick={() => actions.share(space.id, space.title, 'space')}>{t('app.share')}</button> : null}
        {canManageSpace ? <Link className="small" to={`${spacePath(space.id)}/trash`}>{t('app.trash')}</Link> : null}
      </div>
      <PageTree tree={tree.data} pageId={pageId} actions={actions} isPartner={context.isPartner} />
    </section>
  )
}

interface TreeProps { tree: SpaceTree; pageId: string | null; actions: PageActions; isPartner: boolean }

function PageTree(props: TreeProps) {
  const { t } = useTranslation()
  const { tree, actions } = props
  const index = useMemo(() => childrenIndex(tree), [tree])
  const open = useExpanded()
  const [menu, setMenu] = useState<string | null>(null)
  const roots = index.get(tree.space.id) ?? []
  // Dropping on the empty part of the tree moves the page to the end of the top level.
  const onDragOver = (event: DragEvent) => { if (event.target === event.currentTarget) event.preventDefault() }
  const onDrop = (event: DragEvent) => {
    if (event.target !== event.currentTarget) return
    event.preventDefault()
    const dragged = event.dataTransfer.getData(dragType)
    if (dragged) void actions.move(tree, dragged, tree.space.id, roots.filter(p => p.id !== dragged).length)
  }
  return (
    <ul className="tree" role="tree" aria-label={tree.space.title} data-testid="tree" onDragOver={onDragOver} onDrop={onDrop} onKeyDown={moveFocus}>
      {roots.length === 0 ? <li className="muted small empty" role="none">{t('app.page.none')}</li> : null}
      {roots.map(page => <TreeItem key={page.id} {...props} page={page} index={index} open={open} menu={menu} setMenu={setMenu} />)}
    </ul>
  )
}

/**
 * Arrow keys between the pages' links, as in a tree view: up and down through the visible pages, right opens a page
 * (or goes to its first child), left closes it (or goes to its parent), Home and End.
 */
function moveFocus(event: KeyboardEvent<HTMLUListElement>): void {
  const link = event.target as HTMLElement
  const item = link.closest<HTMLElement>('[role=treeitem]')
  if (!link.matches('[data-testid=tree-page]') || !item) return
  const links = [...event.currentTarget.querySelectorAll<HTMLElement>('[data-testid=tree-page]')]
  const at = links.indexOf(link)
  const expandable = item.hasAttribute('aria-expanded')
  const isOpen = item.getAttribute('aria-expanded') === 'true'
  const pageId = item.dataset.pageId ?? ''
  switch (event.key) {
    case 'ArrowDown': links[at + 1]?.focus(); break
    case 'ArrowUp': links[at - 1]?.focus(); break
    case 'Home': links[0]?.focus(); break
    case 'End': links.at(-1)?.focus(); break
    case 'ArrowRight':
      if (expandable && !isOpen) expand(pageId)
      else if (isOpen) item.querySelector<HTMLElement>(':scope > ul [data-testid=tree-page]')?.focus()
      break
    case 'ArrowLeft':
      if (isOpen) collapse(pageId)
      else item.parentElement?.closest('[role=treeitem]')?.querySelector<HTMLElement>('[data-testid=tree-page]')?.focus()
      break
    default: return
  }
  event.preventDefault()
}

type Zone = 'before' | 'inside' | 'after'

interface ItemProps extends TreeProps {
  page: TreeNode
  index: Map<string, TreeNode[]>
  open: ReadonlySet<string>
  /** The page whose action menu is open: one at a time. */
  menu: string | null
  setMenu: (update: (current: string | null) => string | null) => void
}

function TreeItem(props: ItemProps) {
  const { t } = useTranslation()
  const { tree, page, pageId, index, open, actions } = props
  const [drop, setDrop] = useState<Zone | null>(null)
  const children = index.get(page.id) ?? []
  const isOpen = open.has(page.id)
  const canEdit = atLeast(page.level, 'edit')

  const zone = (event: DragEvent<HTMLDivElement>): Zone => {
    const box = event.currentTarget.getBoundingClientRect()
    const y = event.clientY - box.top
    return y < box.height * 0.25 ? 'before' : y > box.height * 0.75 ? 'after' : 'inside'
  }
  const drag = canEdit ? {
    draggable: true,
    onDragStart: (event: DragEvent<HTMLDivElement>) => {
      event.dataTransfer.setData(dragType, page.id)
      event.dataTransfer.effectAllowed = 'move'
    },
    onDragOver: (event: DragEvent<HTMLDivElement>) => {
      event.preventDefault()
      setDrop(zone(event))
    },
    onDragLeave: () => setDrop(null),
    onDrop: (event: DragEvent<HTMLDivElement>) => {
      event.preventDefault()
      event.stopPropagation()
      setDrop(null)
      const dragged = event.dataTransfer.getData(dragType)
      if (!dragged || dragged === page.id || isInSubtree(tree, dragged, page.id)) return
      const where = zone(event)
      if (where === 'inside') {
        // The middle of a row: the page's last child.
        expand(page.id)
        void actions.move(tree, dragged, page.id, children.filter(p => p.id !== dragged).length)
      } else {
        // An edge: beside the page, at its level.
        const siblings = (index.get(parentOf(page)) ?? []).filter(p => p.id !== dragged)
        const at = siblings.findIndex(p => p.id === page.id)
        void actions.move(tree, dragged, parentOf(page), where === 'before' ? at : at + 1)
      }
    },
  } : {}

  const selected = page.id === pageId
  const rowClass = ['node-row', selected ? 'selected' : '', drop ? `drop-${drop}` : ''].filter(Boolean).join(' ')
  return (
    <li className="node" role="treeitem" data-page-id={page.id} aria-selected={selected} aria-expanded={children.length ? isOpen : undefined}>
      <div className={rowClass} {...drag}>
        {children.length
          ? <button type="button" className="twisty" aria-label={isOpen ? t('app.tree.collapse') : t('app.tree.expand')}
            onClick={() => (isOpen ? collapse(page.id) : expand(page.id))}>{isOpen ? '▾' : '▸'}</button>
          : <span className="twisty" />}
        <Link to={pagePath(tree.space.id, page.id)} className="node-title" data-testid="tree-page" aria-current={selected ? 'page' : undefined}>
          {page.title || t('app.page.untitled')}
        </Link>
        <span className="node-actions">
          {canEdit ? <button type="button" className="icon" title={t('app.page.newChild')} aria-label={t('app.page.newChild')}
            onClick={() => void actions.createPage(tree, page.id)}>+</button> : null}
          <PageMenu {...props} />
        </span>
      </div>
      {isOpen && children.length > 0
        ? <ul role="group">{children.map(child => <TreeItem key={child.id} {...props} page={child} />)}</ul>
        : null}
    </li>
  )
}

function PageMenu({ tree, page, pageId, index, actions, isPartner, menu, setMenu }: ItemProps) {
  const { t } = useTranslation()
  const canEdit = atLeast(page.level, 'edit')
  const canManage = atLeast(page.level, 'manage') && !isPartner
  if (!canEdit && !canManage) return null
  const siblings = index.get(parentOf(page)) ?? []
  const at = siblings.findIndex(p => p.id === page.id)
  const item = (label: string, action: () => void, disabled = false) => (
    <button type="button" role="menuitem" disabled={disabled} onClick={() => { setMenu(() => null); action() }}>{label}</button>
  )
  return (
    <details className="menu" open={menu === page.id}
      onToggle={event => {
        const isOpen = event.currentTarget.open
        setMenu(current => (isOpen ? page.id : current === page.id ? null : current))
      }}>
      <summary aria-label={t('app.page.actions')} title={t('app.page.actions')}>⋯</summary>
      <div className="menu-items" role="menu">
        {canEdit ? item(t('app.page.rename'), () => void actions.rename(tree, page)) : null}
        {canEdit ? item(t('app.page.moveTo'), () => actions.moveDialog(tree, page)) : null}
        {canEdit ? item(t('app.page.moveUp'), () => void actions.move(tree, page.id, parentOf(page), at - 1), at <= 0) : null}
        {canEdit ? item(t('app.page.moveDown'), () => void actions.move(tree, page.id, parentOf(page), at + 1), at >= siblings.length - 1) : null}
        {canManage ? item(t('app.share'), () => actions.share(page.id, page.title, 'page')) : null}
        {canEdit ? item(t('app.page.trash'), () => void actions.trash(tree, page, pageId)) : null}
      </div>
    </details>
  )
}

function spaceTitle(space: TreeNode): string {
  return space.title || space.id
}
