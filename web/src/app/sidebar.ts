// The sidebar: the spaces the user can see and the selected space's page tree, kept live through the hub
// (`WatchSpace` + a `tree` notice → fetch the tree again; the server filters it per user).
import type { SpaceTree, TreeNode } from '../api'
import { t } from '../i18n'
import { atLeast, pagePath, spacePath, type AppContext } from './context'
import { h } from './dom'
import { navigate } from './navigation'
import { confirmAction, errorText, openDialog, promptText, toast } from './ui'
import { confirmAccessChange } from './accessChange'

const expanded = new Set<string>()

/** The sharing dialog is its own chunk, loaded when first opened. */
function openSharing(...args: Parameters<typeof import('./sharing').openSharing>): void {
  void import('./sharing').then(sharing => sharing.openSharing(...args))
}

export class Sidebar {
  readonly element: HTMLElement
  private readonly spacesList = h('ul', { class: 'spaces', 'data-testid': 'spaces' })
  private readonly spaceSection = h('section', { class: 'space-section' })
  private spaces: TreeNode[] = []
  private spaceId: string | null = null
  private pageId: string | null = null
  private tree: SpaceTree | null = null
  private stopWatching: (() => void) | null = null
  private treeRequest = 0
  private readonly listeners = new Set<(tree: SpaceTree) => void>()
  private readonly errorListeners = new Set<(error: unknown) => void>()
  private treeError: unknown = null
  /** What the tree section shows now; a fetch that changes nothing keeps the rows (and hover, focus, a drag under way). */
  private renderedKey: string | null = null

  constructor(private readonly context: AppContext) {
    const newSpace = context.isPartner ? null : h('button', {
      type: 'button', class: 'icon', title: t('app.space.new'), 'aria-label': t('app.space.new'), 'data-testid': 'new-space',
      onclick: () => void this.createSpace(),
    }, '+')
    this.element = h('aside', { class: 'sidebar' },
      h('div', { class: 'sidebar-heading' }, h('span', {}, t('app.spaces')), newSpace),
      this.spacesList,
      this.spaceSection)
    void this.loadSpaces()
  }

  /** The tree as last fetched, and a callback for every fetch after this one (page headers use it). */
  onTree(listener: (tree: SpaceTree) => void): () => void {
    this.listeners.add(listener)
    if (this.tree) listener(this.tree)
    return () => this.listeners.delete(listener)
  }

  /** Called when the selected space's tree cannot be fetched (missing, or nothing in it visible any more). */
  onTreeError(listener: (error: unknown) => void): () => void {
    this.errorListeners.add(listener)
    if (this.treeError !== null) listener(this.treeError)
    return () => this.errorListeners.delete(listener)
  }

  get currentTree(): SpaceTree | null {
    return this.tree
  }

  /** Highlights the route's space and page; switches the watched space when it changed. */
  select(spaceId: string | null, pageId: string | null): void {
    this.pageId = pageId
    if (spaceId !== this.spaceId) {
      this.stopWatching?.()
      this.stopWatching = null
      this.spaceId = spaceId
      this.tree = null
      this.treeError = null
      this.renderedKey = null
      this.spaceSection.replaceChildren()
      if (spaceId) {
        this.stopWatching = this.context.connection.watchSpace(spaceId, () => void this.loadTree())
        void this.loadTree()
      }
    } else {
      // Opening a page reveals it: its ancestors are expanded.
      if (this.tree && pageId) this.expandTo(pageId)
      this.renderTree()
    }
    this.renderSpaces()
  }

  async loadSpaces(): Promise<void> {
    try {
      this.spaces = await this.context.api.spaces()
    } catch (error) {
      this.spacesList.replaceChildren(h('li', { class: 'error' }, errorText(error)))
      return
    }
    this.renderSpaces()
  }

  dispose(): void {
    this.stopWatching?.()
    this.stopWatching = null
    this.listeners.clear()
    this.errorListeners.clear()
  }

  private renderSpaces(): void {
    if (this.spaces.length === 0) {
      this.spacesList.replaceChildren(h('li', { class: 'muted small' }, this.context.isPartner ? t('app.space.noneShared') : t('app.space.none')))
      return
    }
    this.spacesList.replaceChildren(...this.spaces.map(space => h('li', {},
      h('a', { href: spacePath(space.id), class: space.id === this.spaceId ? 'space-link selected' : 'space-link' },
        h('span', { class: 'space-icon', 'aria-hidden': 'true' }, spaceTitle(space).slice(0, 1).toUpperCase()),
        h('span', {}, spaceTitle(space))))))
  }

  private async loadTree(): Promise<void> {
    const spaceId = this.spaceId
    if (!spaceId) return
    const request = ++this.treeRequest
    try {
      const tree = await this.context.api.spaceTree(spaceId)
      if (request !== this.treeRequest || spaceId !== this.spaceId) return
      this.tree = tree
      if (this.pageId) this.expandTo(this.pageId)
      // A space renamed or newly visible shows up in the list too.
      if (!this.spaces.some(space => space.id === spaceId)) void this.loadSpaces()
    } catch (error) {
      if (request !== this.treeRequest) return
      this.tree = null
      this.treeError = error
      this.renderedKey = null
      this.spaceSection.replaceChildren(h('p', { class: 'error small' }, errorText(error)))
      // The space may have stopped being visible (last share removed): the list follows.
      void this.loadSpaces()
      for (const listener of this.errorListeners) listener(error)
      return
    }
    this.treeError = null
    this.renderTree()
    for (const listener of this.listeners) listener(this.tree)
  }

  private expandTo(pageId: string): void {
    const byId = new Map(this.tree!.pages.map(page => [page.id, page]))
    let page = byId.get(pageId)
    while (page && byId.has(parentOf(page))) {
      expanded.add(parentOf(page))
      page = byId.get(parentOf(page))
    }
  }

  private renderTree(): void {
    const tree = this.tree
    if (!tree) return
    const key = JSON.stringify([tree, this.pageId, [...expanded].sort()])
    if (key === this.renderedKey) return
    this.renderedKey = key
    const canEditSpace = atLeast(tree.space.level, 'edit')
    const canManageSpace = atLeast(tree.space.level, 'manage') && !this.context.isPartner
    const actions = h('div', { class: 'space-actions' },
      canEditSpace && h('button', { type: 'button', class: 'small', 'data-testid': 'new-page', onclick: () => void this.createPage(null) }, `+ ${t('app.page.new')}`),
      canManageSpace && h('button', { type: 'button', class: 'small secondary', onclick: () => openSharing(this.context, tree.space.id, tree.space.title, 'space') }, t('app.share')),
      canManageSpace && h('a', { class: 'small', href: `${spacePath(tree.space.id)}/trash` }, t('app.trash')))
    const roots = childrenOf(tree, tree.space.id)
    const list = h('ul', { class: 'tree', role: 'tree', 'data-testid': 'tree' }, ...roots.map(page => this.renderNode(page)))
    if (roots.length === 0) list.append(h('li', { class: 'muted small empty' }, t('app.page.none')))
    // Dropping on the empty part of the tree moves the page to the end of the top level.
    list.addEventListener('dragover', event => { if (event.target === list) event.preventDefault() })
    list.addEventListener('drop', event => {
      if (event.target !== list) return
      event.preventDefault()
      const dragged = event.dataTransfer?.getData('text/x-spotter-page')
      if (dragged) void this.move(dragged, tree.space.id, childrenOf(tree, tree.space.id).filter(p => p.id !== dragged).length)
    })
    this.spaceSection.replaceChildren(
      h('div', { class: 'space-title' }, h('a', { href: spacePath(tree.space.id) }, tree.space.title)),
      actions,
      list)
  }

  private renderNode(page: TreeNode): HTMLElement {
    const tree = this.tree!
    const children = childrenOf(tree, page.id)
    const open = expanded.has(page.id)
    const canEdit = atLeast(page.level, 'edit')
    const twisty = children.length
      ? h('button', {
        type: 'button', class: 'twisty', 'aria-label': open ? t('app.tree.collapse') : t('app.tree.expand'),
        onclick: () => { if (open) expanded.delete(page.id); else expanded.add(page.id); this.renderTree() },
      }, open ? '▾' : '▸')
      : h('span', { class: 'twisty' })
    const row = h('div', { class: page.id === this.pageId ? 'node-row selected' : 'node-row', draggable: canEdit ? 'true' : false },
      twisty,
      h('a', { href: pagePath(tree.space.id, page.id), class: 'node-title', 'data-testid': 'tree-page' }, page.title || t('app.page.untitled')),
      h('span', { class: 'node-actions' },
        canEdit && h('button', {
          type: 'button', class: 'icon', title: t('app.page.newChild'), 'aria-label': t('app.page.newChild'),
          onclick: () => void this.createPage(page.id),
        }, '+'),
        this.menu(page)))
    if (canEdit) this.enableDrag(row, page)
    return h('li', { class: 'node', role: 'treeitem', 'data-page-id': page.id, 'aria-expanded': children.length ? String(open) : false },
      row,
      open && children.length > 0 && h('ul', { role: 'group' }, ...children.map(child => this.renderNode(child))))
  }

  private menu(page: TreeNode): HTMLElement | null {
    const tree = this.tree!
    const canEdit = atLeast(page.level, 'edit')
    const canManage = atLeast(page.level, 'manage') && !this.context.isPartner
    if (!canEdit && !canManage) return null
    const siblings = childrenOf(tree, parentOf(page))
    const index = siblings.findIndex(p => p.id === page.id)
    const item = (label: string, action: () => void, disabled = false) =>
      h('button', { type: 'button', role: 'menuitem', disabled, onclick: () => { menu.open = false; action() } }, label)
    const menu = h('details', { class: 'menu' },
      h('summary', { 'aria-label': t('app.page.actions'), title: t('app.page.actions') }, '⋯'),
      h('div', { class: 'menu-items', role: 'menu' },
        canEdit && item(t('app.page.rename'), () => void this.rename(page)),
        canEdit && item(t('app.page.moveTo'), () => this.moveDialog(page)),
        canEdit && item(t('app.page.moveUp'), () => void this.move(page.id, parentOf(page), index - 1), index <= 0),
        canEdit && item(t('app.page.moveDown'), () => void this.move(page.id, parentOf(page), index + 1), index >= siblings.length - 1),
        canManage && item(t('app.share'), () => openSharing(this.context, page.id, page.title, 'page')),
        canEdit && item(t('app.page.trash'), () => void this.trash(page))))
    // Only one menu open at a time.
    menu.addEventListener('toggle', () => {
      if (menu.open) for (const other of this.element.querySelectorAll('details.menu[open]')) if (other !== menu) (other as HTMLDetailsElement).open = false
    })
    return menu
  }

  private enableDrag(row: HTMLElement, page: TreeNode): void {
    const tree = this.tree!
    row.addEventListener('dragstart', event => {
      event.dataTransfer?.setData('text/x-spotter-page', page.id)
      if (event.dataTransfer) event.dataTransfer.effectAllowed = 'move'
    })
    const zone = (event: DragEvent): 'before' | 'inside' | 'after' => {
      const box = row.getBoundingClientRect()
      const y = event.clientY - box.top
      return y < box.height * 0.25 ? 'before' : y > box.height * 0.75 ? 'after' : 'inside'
    }
    const clear = () => row.classList.remove('drop-before', 'drop-inside', 'drop-after')
    row.addEventListener('dragover', event => {
      event.preventDefault()
      clear()
      row.classList.add(`drop-${zone(event)}`)
    })
    row.addEventListener('dragleave', clear)
    row.addEventListener('drop', event => {
      event.preventDefault()
      event.stopPropagation()
      clear()
      const dragged = event.dataTransfer?.getData('text/x-spotter-page')
      if (!dragged || dragged === page.id || isInSubtree(tree, dragged, page.id)) return
      const where = zone(event)
      if (where === 'inside') {
        expanded.add(page.id)
        void this.move(dragged, page.id, childrenOf(tree, page.id).filter(p => p.id !== dragged).length)
      } else {
        const siblings = childrenOf(tree, parentOf(page)).filter(p => p.id !== dragged)
        const at = siblings.findIndex(p => p.id === page.id)
        void this.move(dragged, parentOf(page), where === 'before' ? at : at + 1)
      }
    })
  }

  private async createSpace(): Promise<void> {
    const name = await promptText(t('app.space.new'), t('app.space.name'))
    if (!name) return
    try {
      const id = await this.context.api.createSpace(name)
      await this.loadSpaces()
      navigate(spacePath(id))
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }

  async createPage(parentId: string | null): Promise<void> {
    const tree = this.tree
    if (!tree) return
    const title = await promptText(parentId ? t('app.page.newChild') : t('app.page.new'), t('app.page.title'))
    if (!title) return
    try {
      const id = await this.context.api.createPage(tree.space.id, title, parentId ?? undefined)
      if (parentId) expanded.add(parentId)
      await this.loadTree()
      navigate(pagePath(tree.space.id, id))
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }

  private async rename(page: TreeNode): Promise<void> {
    const title = await promptText(t('app.page.rename'), t('app.page.title'), page.title)
    if (!title || title === page.title) return
    try {
      await this.context.api.renamePage(page.id, title)
      await this.loadTree()
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }

  private async trash(page: TreeNode): Promise<void> {
    if (!await confirmAction(t('app.page.trash'), t('app.page.trashConfirm', { title: page.title }), t('app.page.trash'))) return
    try {
      await this.context.api.trashPage(page.id)
      await this.loadTree()
      if (this.pageId === page.id || (this.pageId && this.tree && !this.tree.pages.some(p => p.id === this.pageId))) {
        navigate(spacePath(this.tree?.space.id ?? parentOf(page)))
      }
      toast(t('app.page.trashed', { title: page.title }))
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }

  private async move(pageId: string, parentId: string, index: number): Promise<void> {
    try {
      // A new parent may change who can read the page: show who gains or loses access and have it confirmed.
      const page = this.tree?.pages.find(p => p.id === pageId)
      if (page && page.parentId !== parentId) {
        const change = await this.context.api.previewMove(pageId, parentId)
        if (!await confirmAccessChange(change, t('app.access.moveTitle', { title: page.title }), t('app.page.move'))) return
      }
      await this.context.api.movePage(pageId, parentId, Math.max(0, index))
      await this.loadTree()
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }

  /** "Move to…": pick a new parent (not inside the page itself) and a position among its children. */
  private moveDialog(page: TreeNode): void {
    const tree = this.tree!
    const targets: { id: string; label: string }[] = [{ id: tree.space.id, label: t('app.page.topLevel', { space: tree.space.title }) }]
    const walk = (parentId: string, depth: number) => {
      for (const child of childrenOf(tree, parentId)) {
        if (child.id === page.id) continue
        if (atLeast(child.level, 'edit')) targets.push({ id: child.id, label: `${'\u00a0\u00a0'.repeat(depth)}${child.title}` })
        walk(child.id, depth + 1)
      }
    }
    walk(tree.space.id, 1)
    const parent = h('select', { name: 'parent' }, ...targets.map(target => h('option', { value: target.id, selected: target.id === page.parentId }, target.label)))
    const position = h('select', { name: 'position' })
    const fillPositions = () => {
      const siblings = childrenOf(tree, parent.value).filter(p => p.id !== page.id)
      position.replaceChildren(
        h('option', { value: '0' }, t('app.page.first')),
        ...siblings.map((sibling, i) => h('option', { value: String(i + 1) }, t('app.page.after', { title: sibling.title }))))
      const current = siblings.length ? childrenOf(tree, parent.value).findIndex(p => p.id === page.id) : -1
      position.value = String(parent.value === page.parentId && current >= 0 ? current : siblings.length)
    }
    parent.addEventListener('change', fillPositions)
    fillPositions()
    const form = h('form', { class: 'stack' },
      h('label', {}, t('app.page.moveParent'), parent),
      h('label', {}, t('app.page.movePosition'), position),
      h('div', { class: 'actions' }, h('button', { type: 'submit' }, t('app.page.move'))))
    const { close } = openDialog(t('app.page.moveTitle', { title: page.title }), form, { testId: 'move-dialog' })
    form.addEventListener('submit', event => {
      event.preventDefault()
      close()
      expanded.add(parent.value)
      void this.move(page.id, parent.value, Number(position.value))
    })
  }
}

function spaceTitle(space: TreeNode): string {
  return space.title || space.id
}

/** A page's parent (the space itself for a top-level page; pages of a tree always have one). */
function parentOf(page: TreeNode): string {
  return page.parentId ?? ''
}

/** Children of `parentId` in sibling order. */
export function childrenOf(tree: SpaceTree, parentId: string): TreeNode[] {
  const known = new Set(tree.pages.map(page => page.id))
  return tree.pages
    // A page whose parent is not visible is shown at the top level (the server usually does that already).
    .filter(page => page.parentId === parentId || (parentId === tree.space.id && !known.has(parentOf(page)) && page.parentId !== tree.space.id))
    .sort((a, b) => a.order - b.order)
}

function isInSubtree(tree: SpaceTree, rootId: string, pageId: string): boolean {
  const byId = new Map(tree.pages.map(page => [page.id, page]))
  for (let page = byId.get(pageId); page; page = byId.get(parentOf(page))) if (page.id === rootId) return true
  return false
}

/** The chain of pages from the top level down to `pageId` (for breadcrumbs). */
export function ancestry(tree: SpaceTree, pageId: string): TreeNode[] {
  const byId = new Map(tree.pages.map(page => [page.id, page]))
  const chain: TreeNode[] = []
  for (let page = byId.get(pageId); page && chain.length < 100; page = byId.get(parentOf(page))) chain.unshift(page)
  return chain
}
