// Comment threads anchored to text. An anchor is a pair of Yjs relative positions on the ProseMirror-bound Y types
// (made with y-tiptap's absolutePositionToRelativePosition through the binding's mapping), so it keeps pointing at
// the same characters whatever anyone inserts or deletes around them. A decoration plugin highlights the anchors;
// it maps them through local steps and re-resolves them after every remote change (which y-tiptap applies as a
// whole-document replace) and whenever the thread list changes.
import { Extension, type Editor } from '@tiptap/core'
import { Plugin, PluginKey, type EditorState } from '@tiptap/pm/state'
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view'
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap'
import { fromBase64, toBase64 } from 'lib0/buffer'
import * as Y from 'yjs'
import { t } from '../i18n'
import { h } from '../app/dom'
import type { CommentThread, KnowledgeBaseApi } from './kbApi'

interface Anchor {
  id: string
  start: Y.RelativePosition
  end: Y.RelativePosition
}

interface CommentsPluginState {
  anchors: Anchor[]
  active: string | null
  /** Resolved ranges by thread id; null when the anchored text is gone. */
  ranges: Map<string, { from: number; to: number } | null>
  decorations: DecorationSet
}

type CommentsMeta = { anchors?: Anchor[]; active?: string | null }

export const commentsPluginKey = new PluginKey<CommentsPluginState>('comments')

interface SyncBinding {
  doc: Y.Doc
  type: Y.XmlFragment
  mapping: Map<Y.AbstractType<unknown>, unknown>
}

function bindingOf(state: EditorState): SyncBinding | null {
  const sync = ySyncPluginKey.getState(state) as { binding?: SyncBinding | null } | undefined
  return sync?.binding ?? null
}

function resolveAnchors(state: EditorState, anchors: Anchor[], active: string | null): Pick<CommentsPluginState, 'ranges' | 'decorations'> {
  const binding = bindingOf(state)
  const ranges = new Map<string, { from: number; to: number } | null>()
  const decorations: Decoration[] = []
  for (const anchor of anchors) {
    let range: { from: number; to: number } | null = null
    if (binding && binding.mapping.size > 0) {
      try {
        const mapping = binding.mapping as Parameters<typeof relativePositionToAbsolutePosition>[3]
        const from = relativePositionToAbsolutePosition(binding.doc, binding.type, anchor.start, mapping)
        const to = relativePositionToAbsolutePosition(binding.doc, binding.type, anchor.end, mapping)
        if (from !== null && to !== null && to > from && to <= state.doc.content.size) range = { from, to }
      } catch {
        range = null // the anchored items belong to content this client has not rendered (yet)
      }
    }
    ranges.set(anchor.id, range)
    if (range) decorations.push(anchorDecoration(anchor.id, range.from, range.to, anchor.id === active))
  }
  return { ranges, decorations: DecorationSet.create(state.doc, decorations) }
}

function anchorDecoration(id: string, from: number, to: number, active: boolean): Decoration {
  return Decoration.inline(from, to, { class: active ? 'comment-anchor active' : 'comment-anchor', 'data-thread': id }, { thread: id })
}

/** The highlight plugin; `onActivate` is called when the user clicks highlighted text. */
export function commentAnchors(onActivate: (threadId: string) => void) {
  return Extension.create({
    name: 'commentAnchors',
    addProseMirrorPlugins() {
      return [new Plugin<CommentsPluginState>({
        key: commentsPluginKey,
        state: {
          init: () => ({ anchors: [], active: null, ranges: new Map(), decorations: DecorationSet.empty }),
          apply(tr, value, _oldState, newState) {
            const meta = tr.getMeta(commentsPluginKey) as CommentsMeta | undefined
            const sync = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined
            const anchors = meta?.anchors ?? value.anchors
            const active = meta && 'active' in meta ? meta.active ?? null : value.active
            if (meta || sync?.isChangeOrigin) return { anchors, active, ...resolveAnchors(newState, anchors, active) }
            if (!tr.docChanged) return value
            // A local edit: map the highlights; the ranges follow the same mapping.
            const ranges = new Map<string, { from: number; to: number } | null>()
            for (const [id, range] of value.ranges) {
              if (!range) { ranges.set(id, null); continue }
              const from = tr.mapping.map(range.from, 1)
              const to = tr.mapping.map(range.to, -1)
              ranges.set(id, to > from ? { from, to } : null)
            }
            return { anchors, active, ranges, decorations: value.decorations.map(tr.mapping, tr.doc) }
          },
        },
        props: {
          decorations: state => commentsPluginKey.getState(state)?.decorations,
          handleClick(view, pos) {
            const state = commentsPluginKey.getState(view.state)
            if (!state) return false
            for (const [id, range] of state.ranges) {
              if (range && pos >= range.from && pos <= range.to) {
                onActivate(id)
                return false
              }
            }
            return false
          },
        },
      })]
    },
  })
}

function encodeAnchor(view: EditorView, from: number, to: number): { start: string; end: string } | null {
  const binding = bindingOf(view.state)
  if (!binding) return null
  const mapping = binding.mapping as Parameters<typeof absolutePositionToRelativePosition>[2]
  const start = absolutePositionToRelativePosition(from, binding.type, mapping) as Y.RelativePosition
  const end = absolutePositionToRelativePosition(to, binding.type, mapping) as Y.RelativePosition
  return { start: toBase64(Y.encodeRelativePosition(start)), end: toBase64(Y.encodeRelativePosition(end)) }
}

function decodeAnchor(thread: CommentThread): Anchor | null {
  try {
    return {
      id: thread.id,
      start: Y.decodeRelativePosition(fromBase64(thread.anchor.start)),
      end: Y.decodeRelativePosition(fromBase64(thread.anchor.end)),
    }
  } catch {
    return null
  }
}

/** The text range to comment on: the editor's selection, or (read-only editors) the browser's selection in it. */
function selectedRange(view: EditorView): { from: number; to: number } | null {
  const { from, to } = view.state.selection
  if (to > from) return { from, to }
  const selection = window.getSelection()
  if (!selection || selection.isCollapsed || selection.rangeCount === 0) return null
  const range = selection.getRangeAt(0)
  if (!view.dom.contains(range.startContainer) || !view.dom.contains(range.endContainer)) return null
  try {
    const start = view.posAtDOM(range.startContainer, range.startOffset)
    const end = view.posAtDOM(range.endContainer, range.endOffset)
    return end > start ? { from: start, to: end } : null
  } catch {
    return null
  }
}

export interface CommentsPanel {
  element: HTMLElement
  /** Opens the form for a new thread on the current selection; false when nothing is selected. */
  startComment(): boolean
  setCanComment(canComment: boolean): void
  refresh(): Promise<void>
  renderLabels(): void
  dispose(): void
}

/** `onTextarea` decorates each comment and reply box (the @mention suggestions). */
export function commentsPanel(editor: Editor, kb: KnowledgeBaseApi, notify: (message: string) => void,
  onTextarea: (input: HTMLTextAreaElement) => void = () => {}): CommentsPanel {
  let threads: CommentThread[] = []
  let canComment = false
  let showResolved = false
  let draft: { quote: string; anchor: { start: string; end: string } } | null = null
  let loadError = ''
  let disposed = false
  const drafts = new Map<string, string>()

  // The editor is destroyed when access is revoked; the panel then has no anchors to show.
  const pluginState = () => (editor.isDestroyed ? undefined : commentsPluginKey.getState(editor.state))
  const list = h('div', { class: 'threads', 'data-testid': 'comment-threads' })
  const element = h('div', { class: 'comments-panel', 'data-testid': 'comments-panel' }, list)

  const activate = (id: string | null) => {
    if (editor.isDestroyed) return
    editor.view.dispatch(editor.state.tr.setMeta(commentsPluginKey, { active: id } satisfies CommentsMeta))
    for (const item of list.querySelectorAll<HTMLElement>('.thread')) item.classList.toggle('active', item.dataset.thread === id)
    if (id) list.querySelector(`.thread[data-thread="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' })
  }

  const pushAnchors = () => {
    if (editor.isDestroyed) return
    const anchors = threads.filter(thread => !thread.resolved).map(decodeAnchor).filter((a): a is Anchor => a !== null)
    editor.view.dispatch(editor.state.tr.setMeta(commentsPluginKey, { anchors } satisfies CommentsMeta))
  }

  const textarea = (placeholder: string, name: string) => {
    const input = h('textarea', { name, rows: '2', placeholder, required: true }) as HTMLTextAreaElement
    onTextarea(input)
    return input
  }

  const draftForm = () => {
    if (!draft) return null
    const input = textarea(t('editor.comments.placeholder'), 'comment')
    const cancel = h('button', { type: 'button', class: 'secondary' }, t('editor.comments.cancel'))
    cancel.addEventListener('click', () => { draft = null; render() })
    const form = h('form', { class: 'thread draft', 'data-testid': 'comment-form' },
      h('div', { class: 'muted small' }, t('editor.comments.new')),
      h('blockquote', {}, draft.quote),
      input,
      h('div', { class: 'row' }, h('button', { type: 'submit' }, t('editor.comments.add')), cancel))
    form.addEventListener('submit', async event => {
      event.preventDefault()
      const text = input.value.trim()
      if (!text || !draft) return
      try {
        await kb.addComment(draft.anchor, draft.quote, text)
        draft = null
        await refresh()
      } catch (error) {
        notify(t('editor.comments.failed', { error: errorText(error) }))
      }
    })
    queueMicrotask(() => input.focus())
    return form
  }

  const detachedNote = () => h('p', { class: 'muted small detached' }, t('editor.comments.detached'))

  // An edit anywhere (local or remote) can delete a thread's text or bring it back (undo, a restore): keep the
  // "text was deleted" note of each open thread in step, in place, so a reply being typed keeps its focus.
  const markDetached = () => {
    const ranges = pluginState()?.ranges
    if (!ranges) return
    for (const item of list.querySelectorAll<HTMLElement>('.thread[data-thread]:not(.resolved)')) {
      const detached = ranges.get(item.dataset.thread ?? '') === null
      const note = item.querySelector(':scope > .detached')
      if (detached && !note) item.querySelector(':scope > .quote')?.after(detachedNote())
      else if (!detached && note) note.remove()
    }
  }
  const onTransaction = ({ transaction }: { transaction: { docChanged: boolean; getMeta(key: PluginKey): unknown } }) => {
    if (transaction.docChanged || transaction.getMeta(commentsPluginKey)) markDetached()
  }
  editor.on('transaction', onTransaction)

  const threadItem = (thread: CommentThread) => {
    const range = pluginState()?.ranges.get(thread.id)
    const item = h('article', { class: `thread${thread.resolved ? ' resolved' : ''}`, 'data-thread': thread.id, 'data-testid': 'comment-thread' },
      h('blockquote', { class: 'quote' }, thread.quote),
      !thread.resolved && range === null ? detachedNote() : null,
      // The first comment opens the thread; the rest are replies.
      ...thread.comments.map((comment, index) =>
        h('div', { class: index === 0 ? 'comment' : 'comment reply' }, h('strong', {}, comment.authorName), ' ', h('span', { class: 'text' }, comment.text))),
    )
    item.addEventListener('click', event => {
      if ((event.target as HTMLElement).closest('form, button')) return
      activate(thread.id)
      const current = pluginState()?.ranges.get(thread.id)
      if (current) editor.commands.setTextSelection(current)
    })
    if (thread.resolved) {
      item.append(h('p', { class: 'muted small' }, t('editor.comments.resolved')))
    } else if (canComment) {
      const input = textarea(t('editor.comments.replyPlaceholder'), 'reply')
      input.value = drafts.get(thread.id) ?? ''
      input.addEventListener('input', () => drafts.set(thread.id, input.value))
      const resolve = h('button', { type: 'button', class: 'secondary', 'data-testid': 'resolve' }, t('editor.comments.resolve'))
      resolve.addEventListener('click', async () => {
        try {
          await kb.resolve(thread.id)
          await refresh()
        } catch (error) {
          notify(t('editor.comments.failed', { error: errorText(error) }))
        }
      })
      const form = h('form', { class: 'reply-form' }, input,
        h('div', { class: 'row' }, h('button', { type: 'submit' }, t('editor.comments.reply')), resolve))
      form.addEventListener('submit', async event => {
        event.preventDefault()
        const text = input.value.trim()
        if (!text) return
        try {
          await kb.reply(thread.id, text)
          drafts.delete(thread.id)
          await refresh()
        } catch (error) {
          notify(t('editor.comments.failed', { error: errorText(error) }))
        }
      })
      item.append(form)
    }
    return item
  }

  const render = () => {
    const open = threads.filter(thread => !thread.resolved)
    const resolved = threads.filter(thread => thread.resolved)
    // Keep the order of the text: threads whose anchor resolves first, by position.
    const ranges = pluginState()?.ranges
    open.sort((a, b) => (ranges?.get(a.id)?.from ?? Infinity) - (ranges?.get(b.id)?.from ?? Infinity))
    const children: (Node | null)[] = [draftForm()]
    if (loadError) children.push(h('p', { class: 'error' }, loadError))
    else if (threads.length === 0 && !draft) children.push(h('p', { class: 'muted' }, t('editor.comments.empty')))
    children.push(...open.map(threadItem))
    if (resolved.length > 0) {
      const toggle = h('button', { type: 'button', class: 'link' }, t('editor.comments.showResolved', { count: resolved.length }))
      toggle.addEventListener('click', () => { showResolved = !showResolved; render() })
      children.push(toggle)
      if (showResolved) children.push(...resolved.map(threadItem))
    }
    list.replaceChildren(...children.filter((c): c is Node => c !== null))
    const active = pluginState()?.active
    if (active) list.querySelector(`.thread[data-thread="${CSS.escape(active)}"]`)?.classList.add('active')
  }

  let refreshing: Promise<void> | null = null
  let again = false
  const refresh = async (): Promise<void> => {
    // Comment notices may arrive in bursts: one fetch at a time, and one more after it if asked meanwhile.
    if (refreshing) { again = true; return refreshing }
    refreshing = (async () => {
      do {
        again = false
        try {
          const fetched = await kb.comments()
          if (disposed) return
          threads = fetched
          loadError = ''
          pushAnchors()
        } catch (error) {
          if (disposed) return
          loadError = t('editor.comments.loadFailed', { error: errorText(error) })
        }
        render()
      } while (again)
    })().finally(() => { refreshing = null })
    return refreshing
  }

  return {
    element,
    startComment() {
      if (!canComment || editor.isDestroyed) return false
      const range = selectedRange(editor.view)
      if (!range) {
        notify(t('editor.comments.selectFirst'))
        return false
      }
      const anchor = encodeAnchor(editor.view, range.from, range.to)
      if (!anchor) return false
      draft = { quote: editor.state.doc.textBetween(range.from, range.to, ' ', ' '), anchor }
      render()
      return true
    },
    setCanComment(value) {
      if (canComment === value) return
      canComment = value
      if (!value) draft = null
      render()
    },
    refresh,
    renderLabels: render,
    dispose() {
      disposed = true
      editor.off('transaction', onTransaction)
    },
  }
}

export function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
