// The editor page (the shell around it shows the title, breadcrumbs and sharing): a Tiptap editor bound to the document's `default` XmlFragment through the project's provider,
// with live carets, a toolbar, image attachments, comment threads, version history and a visible connection state.
// Access follows the server live: RoleChanged switches between editable and read-only, Revoked closes the page.
import { Editor } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import { TaskItem, TaskList } from '@tiptap/extension-list'
import { TableKit } from '@tiptap/extension-table'
import * as Y from 'yjs'
import '../i18n/editor'
import './editor.css'
import { onLanguageChange, t } from '../i18n'
import { NoticeKinds, type CollabConnection, type Role } from '../provider'
import type { Api } from '../api'
import type { SignedIn } from '../app/session'
import { colorFor } from '../app/colors'
import { h } from '../app/dom'
import { KnowledgeBaseApi } from './kbApi'
import { ImageCache, attachmentImage, imagePasteAndDrop, imageTypes, imageUploader, type ImagePolicy } from './images'
import { commentAnchors, commentsPanel, type CommentsPanel } from './comments'
import { historyPanel } from './history'
import { toolbar as createToolbar } from './toolbar'
import { connectionState } from './status'
import { TaskCheckboxesFollowEditable } from './tasks'
import { Mention, commentMentions, mentionPicker, type MentionPicker } from './mention'

export interface EditorPage {
  element: HTMLElement
  /** Called once the server let this user in (so the document can be listed). */
  onJoined(callback: () => void): void
  dispose(): void
}

interface AwarenessUser {
  id?: unknown
  name?: string
}

type PanelName = 'comments' | 'history'

const canEdit = (role: Role | null) => role === 'owner' || role === 'editor'
const canComment = (role: Role | null) => canEdit(role) || role === 'commenter'

export function editorPage(connection: CollabConnection, api: Api, docId: string, me: SignedIn): EditorPage {
  const ydoc = new Y.Doc()
  const session = connection.openDocument(docId, ydoc)
  const kb = new KnowledgeBaseApi(api, docId)
  const images = new ImageCache(kb)
  const labelRenderers: (() => void)[] = []
  const disposers: (() => void)[] = []

  const role = h('span', { class: 'badge', 'data-testid': 'role' })
  const state = h('span', { class: 'state', 'data-testid': 'state', role: 'status' })
  const people = h('ul', { class: 'people', 'data-testid': 'people' })
  const notice = h('p', { class: 'notice', role: 'status', 'data-testid': 'notice' })
  const surface = h('div', { class: 'editor', 'data-testid': 'editor' })
  let noticeKey: { key: string; params?: Record<string, string | number> } | null = null
  const say = (key: string | null, params?: Record<string, string | number>) => {
    noticeKey = key ? { key, params } : null
    notice.textContent = key ? t(key, params) : ''
  }
  const sayText = (text: string) => { noticeKey = null; notice.textContent = text }

  const uploader = imageUploader(kb, ({ key, params }) => say(key, params))
  // Learn the attachment limit now, so a too large image is refused at once when it comes.
  void kb.maxAttachmentBytes()
  const imagePolicy: ImagePolicy = { allowExternal: false }
  void kb.allowExternalImages().then(allowed => { imagePolicy.allowExternal = allowed })
  let comments: CommentsPanel | null = null
  let mentions: MentionPicker | null = null

  // The paste/drop handler reaches the editor through a closure: it only runs once the editor exists.
  const editor: Editor = new Editor({
    element: surface,
    editable: false,
    extensions: [
      // Undo/redo comes from the Yjs undo manager of the Collaboration extension.
      StarterKit.configure({ undoRedo: false, link: { openOnClick: false, autolink: true } }),
      TaskList,
      TaskItem.configure({ nested: true }),
      TaskCheckboxesFollowEditable,
      TableKit.configure({ table: { resizable: false } }),
      Mention.configure({ onTrigger: () => mentions?.open() }),
      attachmentImage(images, imagePolicy, () => say('editor.notice.externalImage')),
      imagePasteAndDrop(uploader, () => editor),
      commentAnchors(id => { openPanel('comments'); comments?.renderLabels(); highlightThread(id) }),
      Collaboration.configure({ document: ydoc, field: 'default' }),
      CollaborationCaret.configure({
        provider: session,
        // The server overwrites `user` with {id, name} of the signed-in account in every state it relays; the id is
        // the opaque one (never the username, which partners and guests must not see), learnt from the document.
        user: { name: me.displayName },
        render: (user: AwarenessUser) => {
          const color = colorFor(user.id ?? user.name)
          const caret = h('span', { class: 'collaboration-carets__caret', style: `border-color:${color}` })
          caret.append(h('div', { class: 'collaboration-carets__label', style: `background-color:${color}` }, user.name ?? '?'))
          return caret
        },
        selectionRender: (user: AwarenessUser) => ({
          class: 'collaboration-carets__selection',
          style: `background-color:${colorFor(user.id ?? user.name)}33`,
        }),
      }),
    ],
  })

  comments = commentsPanel(editor, kb, text => sayText(text), commentMentions(api, docId))
  mentions = mentionPicker(editor, api, docId, () => session.role === 'owner')
  disposers.push(() => mentions?.dispose())
  const history = historyPanel(kb, text => sayText(text))
  const highlightThread = (id: string) => {
    comments?.element.querySelectorAll<HTMLElement>('.thread').forEach(item => item.classList.toggle('active', item.dataset.thread === id))
    comments?.element.querySelector(`.thread[data-thread="${CSS.escape(id)}"]`)?.scrollIntoView({ block: 'nearest' })
  }

  const filePicker = h('input', { type: 'file', accept: imageTypes.join(','), multiple: true, style: 'display:none', 'data-testid': 'image-input' }) as HTMLInputElement
  filePicker.addEventListener('change', () => {
    const files = [...(filePicker.files ?? [])]
    filePicker.value = ''
    if (files.length > 0) void uploader.insert(editor, files)
  })

  const toolbar = createToolbar(editor, {
    pickImage: () => filePicker.click(),
    comment: () => { if (comments?.startComment()) openPanel('comments') },
    canComment: () => canComment(session.role) && session.revokedReason === null,
  })
  editor.on('transaction', toolbar.update)

  // Side panel with two tabs; closed until asked for.
  let openName: PanelName | null = null
  const tabs = new Map<PanelName, HTMLButtonElement>()
  const panelBody = h('div', { class: 'panel-body' })
  const side = h('aside', { class: 'side-panel', hidden: true, 'data-testid': 'side-panel' }, panelBody)
  const openPanel = (name: PanelName | null) => {
    openName = name
    side.hidden = name === null
    for (const [tab, button] of tabs) button.classList.toggle('active', tab === name)
    if (name === 'comments') panelBody.replaceChildren(comments!.element)
    else if (name === 'history') {
      panelBody.replaceChildren(history.element)
      void history.refresh()
    }
  }
  for (const name of ['comments', 'history'] as const) {
    const button = h('button', { type: 'button', class: 'tab', 'data-panel': name })
    button.addEventListener('click', () => openPanel(openName === name ? null : name))
    tabs.set(name, button)
  }
  // Hidden until the server says this user may see history.
  tabs.get('history')!.hidden = true

  const status = connectionState(connection, session, state)

  // What the server says this user may do beyond the live page: history (and resolved threads) and copying.
  const printNotice = h('p', { class: 'print-notice', 'data-testid': 'print-notice' })
  let historyAllowed = false
  let noExport = false
  const noCopy = () => noExport && !canEdit(session.role)
  const applyLimits = () => {
    const historyTab = tabs.get('history')!
    historyTab.hidden = !historyAllowed
    if (!historyAllowed && openName === 'history') openPanel(null)
    element.classList.toggle('no-copy', noCopy())
  }
  const describe = () => api.describeDocument(docId).then(info => {
    historyAllowed = info.history === true
    noExport = info.noExport === true || info.noCopy === true
    if (info.publicId && session.revokedReason === null) editor.commands.updateUser({ id: info.publicId, name: me.displayName })
    applyLimits()
  }, () => {})
  // Copy, cut, drag-out and print are refused on a no-copy page for those who cannot edit it.
  const refuseCopy = (event: Event) => {
    if (!noCopy()) return
    event.preventDefault()
    say('editor.notice.noCopy')
  }
  for (const type of ['copy', 'cut', 'dragstart']) surface.addEventListener(type, refuseCopy, true)
  const beforePrint = () => { if (noCopy()) say('editor.notice.noCopy') }
  window.addEventListener('beforeprint', beforePrint)
  disposers.push(() => window.removeEventListener('beforeprint', beforePrint))

  const renderPeople = () => {
    const entries = [...session.awareness.getStates().entries()]
      .filter(([, value]) => value && (value as { user?: AwarenessUser }).user)
      .map(([clientId, value]) => {
        const user = (value as { user: AwarenessUser }).user
        const name = user.name ?? '?'
        return h('li', { style: `--user:${colorFor(user.id ?? user.name)}` }, clientId === ydoc.clientID ? t('editor.you', { name }) : name)
      })
    people.replaceChildren(...entries)
  }

  const applyRole = (value: Role) => {
    role.textContent = t(`editor.role.${value}`)
    role.dataset.role = value
    if (session.revokedReason !== null) return
    editor.setEditable(canEdit(value))
    comments?.setCanComment(canComment(value))
    history.setCanRestore(canEdit(value))
    // History and copying depend on the role: ask again what this role may do.
    void describe()
    if (canEdit(value)) say(null)
    else say(value === 'commenter' ? 'editor.notice.commentOnly' : 'editor.notice.readOnly')
    toolbar.update()
  }

  const body = h('div', { class: 'editor-body' }, h('div', { class: 'editor-main' }, toolbar.element, surface), side)
  const element = h('section', { class: 'card doc editor-page', 'data-testid': 'editor-page' },
    h('header', { class: 'doc-header' },
      role,
      people,
      h('span', { class: 'spacer' }),
      ...tabs.values(),
      state),
    notice,
    printNotice,
    body,
    filePicker)

  session.on('role', applyRole)
  session.on('notice', ({ kind }) => { if (kind === NoticeKinds.comments) void comments?.refresh() })
  session.on('revoked', ({ reason }) => {
    // Nothing of the document stays on screen once access is gone.
    editor.setEditable(false)
    say(reason ? 'editor.notice.revokedReason' : 'editor.notice.revoked', reason ? { reason } : undefined)
    body.replaceChildren(h('p', { class: 'revoked', 'data-testid': 'revoked' }, notice.textContent ?? ''))
    people.replaceChildren()
    for (const tab of tabs.values()) tab.hidden = true
    editor.destroy()
  })
  session.on('rejected', ({ code }) => {
    if (code === 'read-only') {
      // Demoted while editing: stop offering edits the server will refuse.
      editor.setEditable(false)
      toolbar.update()
      say('editor.notice.rejectedReadOnly')
    } else if (code === 'rate-limited') say('editor.notice.rateLimited')
    else say('editor.notice.rejected', { code })
  })
  session.on('error', ({ error }) => {
    if (session.refused) say('editor.notice.noAccess')
    else if (!(error instanceof Error && /connection being closed|connection was stopped/i.test(error.message))) console.warn(error)
  })
  session.on('synced', synced => { if (synced) void comments?.refresh() })
  session.awareness.on('change', renderPeople)

  labelRenderers.push(
    () => { for (const [name, button] of tabs) button.textContent = t(`editor.panel.${name}`) },
    () => { printNotice.textContent = t('editor.notice.noPrint') },
    () => { if (session.role) role.textContent = t(`editor.role.${session.role}`) },
    () => { if (noticeKey) notice.textContent = t(noticeKey.key, noticeKey.params) },
    status.render,
    renderPeople,
    toolbar.renderLabels,
    () => comments?.renderLabels(),
    history.renderLabels,
  )
  const renderLabels = () => { for (const render of labelRenderers) render() }
  disposers.push(onLanguageChange(renderLabels))
  renderLabels()
  if (session.role) applyRole(session.role)

  return {
    element,
    onJoined(callback) {
      if (session.role) callback()
      else session.on('role', () => callback())
    },
    dispose() {
      for (const dispose of disposers) dispose()
      status.dispose()
      comments?.dispose()
      if (!editor.isDestroyed) editor.destroy()
      session.destroy()
      ydoc.destroy()
      images.dispose()
    },
  }
}
