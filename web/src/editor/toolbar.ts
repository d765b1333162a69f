// The formatting toolbar. Buttons reflect the marks and blocks at the selection and are all disabled while the
// editor is read-only (viewers and commenters), except "Comment" which commenters may use.
import type { Editor } from '@tiptap/core'
import { h } from '../app/dom'
import { t } from '../i18n'

const svg = (body: string) =>
  `<svg viewBox="0 0 16 16" width="15" height="15" fill="none" stroke="currentColor" stroke-width="1.6" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true">${body}</svg>`
const icons = {
  link: svg('<path d="M6.5 9.5l3-3"/><path d="M7 4.5l1-1a2.8 2.8 0 014 4l-1 1"/><path d="M9 11.5l-1 1a2.8 2.8 0 01-4-4l1-1"/>'),
  image: svg('<rect x="2" y="3" width="12" height="10" rx="1.5"/><circle cx="6" cy="6.5" r="1.2"/><path d="M2.5 12l3.5-3.5 2.5 2.5 2-2 3 3"/>'),
  comment: svg('<path d="M2.5 3.5h11v7h-6l-3 2.5v-2.5h-2z"/>'),
}

interface Tool {
  id: string
  label: string
  /** Button text, or an inline SVG icon (trusted markup from this file). */
  glyph: string
  run: (editor: Editor) => void
  active?: (editor: Editor) => boolean
  /** Only shown while the selection is in a table. */
  inTable?: boolean
}

export interface Toolbar {
  element: HTMLElement
  update(): void
  renderLabels(): void
}

export interface ToolbarActions {
  pickImage(): void
  comment(): void
  canComment(): boolean
}

export function toolbar(editor: Editor, actions: ToolbarActions): Toolbar {
  const tools: Tool[] = [
    { id: 'undo', label: 'editor.tool.undo', glyph: '↶', run: e => e.chain().focus().undo().run() },
    { id: 'redo', label: 'editor.tool.redo', glyph: '↷', run: e => e.chain().focus().redo().run() },
    { id: 'bold', label: 'editor.tool.bold', glyph: 'B', run: e => e.chain().focus().toggleBold().run(), active: e => e.isActive('bold') },
    { id: 'italic', label: 'editor.tool.italic', glyph: 'I', run: e => e.chain().focus().toggleItalic().run(), active: e => e.isActive('italic') },
    { id: 'strike', label: 'editor.tool.strike', glyph: 'S', run: e => e.chain().focus().toggleStrike().run(), active: e => e.isActive('strike') },
    { id: 'code', label: 'editor.tool.code', glyph: '</>', run: e => e.chain().focus().toggleCode().run(), active: e => e.isActive('code') },
    { id: 'paragraph', label: 'editor.tool.paragraph', glyph: '¶', run: e => e.chain().focus().setParagraph().run(), active: e => e.isActive('paragraph') },
    ...([1, 2, 3] as const).map(level => ({
      id: `h${level}`, label: `editor.tool.h${level}`, glyph: `H${level}`,
      run: (e: Editor) => e.chain().focus().toggleHeading({ level }).run(),
      active: (e: Editor) => e.isActive('heading', { level }),
    })),
    { id: 'bulletList', label: 'editor.tool.bulletList', glyph: '•', run: e => e.chain().focus().toggleBulletList().run(), active: e => e.isActive('bulletList') },
    { id: 'orderedList', label: 'editor.tool.orderedList', glyph: '1.', run: e => e.chain().focus().toggleOrderedList().run(), active: e => e.isActive('orderedList') },
    { id: 'taskList', label: 'editor.tool.taskList', glyph: '☑', run: e => e.chain().focus().toggleTaskList().run(), active: e => e.isActive('taskList') },
    { id: 'blockquote', label: 'editor.tool.blockquote', glyph: '❝', run: e => e.chain().focus().toggleBlockquote().run(), active: e => e.isActive('blockquote') },
    { id: 'codeBlock', label: 'editor.tool.codeBlock', glyph: '{ }', run: e => e.chain().focus().toggleCodeBlock().run(), active: e => e.isActive('codeBlock') },
    { id: 'link', label: 'editor.tool.link', glyph: icons.link, run: () => setLink(), active: e => e.isActive('link') },
    { id: 'image', label: 'editor.tool.image', glyph: icons.image, run: () => actions.pickImage() },
    { id: 'table', label: 'editor.tool.table', glyph: '▦', run: e => e.chain().focus().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run() },
    { id: 'addRow', label: 'editor.tool.addRow', glyph: '+≡', run: e => e.chain().focus().addRowAfter().run(), inTable: true },
    { id: 'addColumn', label: 'editor.tool.addColumn', glyph: '+‖', run: e => e.chain().focus().addColumnAfter().run(), inTable: true },
    { id: 'deleteRow', label: 'editor.tool.deleteRow', glyph: '−≡', run: e => e.chain().focus().deleteRow().run(), inTable: true },
    { id: 'deleteColumn', label: 'editor.tool.deleteColumn', glyph: '−‖', run: e => e.chain().focus().deleteColumn().run(), inTable: true },
    { id: 'deleteTable', label: 'editor.tool.deleteTable', glyph: '✕▦', run: e => e.chain().focus().deleteTable().run(), inTable: true },
  ]

  const buttons = new Map<Tool, HTMLButtonElement>()
  for (const tool of tools) {
    const button = h('button', { type: 'button', class: 'tool', 'data-tool': tool.id })
    if (tool.glyph.startsWith('<svg')) button.innerHTML = tool.glyph
    else button.textContent = tool.glyph
    // Keep the editor's selection: a click on a toolbar button must not move focus first.
    button.addEventListener('mousedown', event => event.preventDefault())
    button.addEventListener('click', () => { if (editor.isEditable) tool.run(editor) })
    buttons.set(tool, button)
  }
  const comment = h('button', { type: 'button', class: 'tool comment-tool', 'data-tool': 'comment' })
  comment.addEventListener('mousedown', event => event.preventDefault())
  comment.addEventListener('click', () => actions.comment())

  const link = linkPopover(editor)
  const element = h('div', { class: 'toolbar', role: 'toolbar', 'data-testid': 'toolbar' }, ...buttons.values(), h('span', { class: 'spacer' }), comment, link.element)

  const renderLabels = () => {
    for (const [tool, button] of buttons) {
      button.title = t(tool.label)
      button.setAttribute('aria-label', t(tool.label))
    }
    comment.innerHTML = icons.comment
    comment.append(` ${t('editor.tool.comment')}`)
    link.renderLabels()
  }

  const update = () => {
    if (editor.isDestroyed) return
    const editable = editor.isEditable
    const inTable = editor.isActive('table')
    for (const [tool, button] of buttons) {
      button.disabled = !editable
      button.hidden = tool.inTable === true && !(editable && inTable)
      const active = editable && tool.active ? tool.active(editor) : false
      button.classList.toggle('active', active)
      button.setAttribute('aria-pressed', String(active))
    }
    comment.hidden = !actions.canComment()
    if (!editable) link.close(false)
  }

  function setLink() {
    const button = [...buttons].find(([tool]) => tool.id === 'link')![1]
    if (link.isOpen()) link.close(true)
    else link.open(button)
  }

  renderLabels()
  update()
  return { element, update, renderLabels }
}

interface LinkPopover {
  element: HTMLElement
  open(anchor: HTMLElement): void
  close(refocus: boolean): void
  isOpen(): boolean
  renderLabels(): void
}

/** The link editor under the toolbar's link button: an address field, Apply, Remove link (when the selection is in a
 * link); Enter applies, Esc or a click elsewhere closes it. An empty address removes the link. The editor keeps its
 * selection while the field has focus, and every change applies to the whole link around the caret. */
function linkPopover(editor: Editor): LinkPopover {
  const label = h('label', { for: 'link-popover-href' })
  const input = h('input', { id: 'link-popover-href', name: 'href', type: 'text', autocomplete: 'off', spellcheck: 'false' })
  const apply = h('button', { type: 'submit', 'data-action': 'apply' })
  const remove = h('button', { type: 'button', class: 'secondary', 'data-action': 'remove' })
  const form = h('form', { class: 'link-popover', 'data-testid': 'link-popover', role: 'dialog' }, label, input, apply, remove)
  form.hidden = true

  const isOpen = () => !form.hidden
  const close = (refocus: boolean) => {
    if (!isOpen()) return
    form.hidden = true
    document.removeEventListener('mousedown', onOutside, true)
    // ProseMirror's own focus, at once: Tiptap's focus command waits for an animation frame, so a key pressed
    // right after Esc could still land on the page instead of the text.
    if (refocus && !editor.isDestroyed) editor.view.focus()
  }
  const onOutside = (event: MouseEvent) => {
    const target = event.target as Node | null
    // The link button toggles the popover itself.
    if (target && (form.contains(target) || (target as Element).closest?.('[data-tool=link]'))) return
    close(false)
  }
  const setHref = (href: string) => {
    const chain = editor.chain().focus().extendMarkRange('link')
    if (href === '') chain.unsetLink().run()
    else chain.setLink({ href }).run()
  }

  form.addEventListener('submit', event => {
    event.preventDefault()
    if (!editor.isEditable) return close(false)
    const href = input.value.trim()
    close(false)
    setHref(href)
  })
  remove.addEventListener('click', () => {
    close(false)
    if (editor.isEditable) setHref('')
  })
  form.addEventListener('keydown', event => {
    if (event.key === 'Escape') {
      event.preventDefault()
      event.stopPropagation()
      close(true)
    }
  })

  return {
    element: form,
    isOpen,
    close,
    open(anchor: HTMLElement) {
      const inLink = editor.isActive('link')
      input.value = inLink ? ((editor.getAttributes('link').href as string | undefined) ?? '') : ''
      remove.hidden = !inLink
      form.style.top = `${anchor.offsetTop + anchor.offsetHeight + 4}px`
      form.hidden = false
      // Under the button, but never past the toolbar's right edge.
      const room = (form.offsetParent as HTMLElement | null)?.clientWidth ?? window.innerWidth
      form.style.left = `${Math.max(0, Math.min(anchor.offsetLeft, room - form.offsetWidth))}px`
      document.addEventListener('mousedown', onOutside, true)
      input.focus()
      input.select()
    },
    renderLabels() {
      label.textContent = t('editor.link.address')
      input.placeholder = t('editor.link.placeholder')
      apply.textContent = t('editor.link.apply')
      remove.textContent = t('editor.link.remove')
    },
  }
}
