import { Editor } from '@tiptap/core'
import StarterKit from '@tiptap/starter-kit'
import Collaboration from '@tiptap/extension-collaboration'
import CollaborationCaret from '@tiptap/extension-collaboration-caret'
import * as Y from 'yjs'
import type { CollabConnection, SavedState } from '../provider'
import { colorFor } from './colors'
import { h } from './dom'
import { ApiError, type Api, type DocumentInfo } from '../api'
import type { SignedIn } from './session'

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

export function editorPage(connection: CollabConnection, api: Api, docId: string, me: SignedIn): EditorPage {
  const ydoc = new Y.Doc()
  const session = connection.openDocument(docId, ydoc)

  const title = h('h1', { class: 'doc-title' }, 'Untitled')
  const sharing = h('details', { class: 'sharing', hidden: true })
  const showDetails = (info: DocumentInfo) => {
    title.textContent = info.title
    sharing.hidden = info.role !== 'owner'
    if (info.role === 'owner') sharing.replaceChildren(...sharingPanel(api, info, refresh))
  }
  const refresh = () => api.describeDocument(docId).then(showDetails, () => { title.textContent = docId })
  void refresh()
  const state = h('span', { class: 'state', 'data-testid': 'state' })
  const role = h('span', { class: 'badge', 'data-testid': 'role' })
  const people = h('ul', { class: 'people' })
  const notice = h('p', { class: 'notice', role: 'status' })
  const surface = h('div', { class: 'editor', 'data-testid': 'editor' })

  const editor = new Editor({
    element: surface,
    editable: false,
    extensions: [
      // Undo/redo comes from the Yjs undo manager of the Collaboration extension.
      StarterKit.configure({ undoRedo: false }),
      Collaboration.configure({ document: ydoc, field: 'default' }),
      CollaborationCaret.configure({
        provider: session,
        // The server overwrites `user` with {id, name} of the signed-in account in every state it relays.
        user: { id: me.username, name: me.displayName },
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

  const renderState = () => {
    const saved: SavedState = session.savedState
    let text: string
    let kind: string
    if (session.revokedReason !== null) {
      text = 'Access removed'; kind = 'bad'
    } else if (session.refused) {
      text = 'No access'; kind = 'bad'
    } else if (session.status === 'connected') {
      if (!session.synced) { text = 'Online · syncing…'; kind = 'busy' }
      else if (saved.saved) { text = 'Online · saved'; kind = 'good' }
      else if (saved.pending > 0) { text = `Online · saving (${saved.pending})`; kind = 'busy' }
      else { text = 'Online · unsaved changes'; kind = 'warn' }
    } else if (session.status === 'reconnecting') {
      text = saved.unsent ? 'Reconnecting… · unsaved changes' : 'Reconnecting…'; kind = 'warn'
    } else if (session.status === 'connecting') {
      text = 'Connecting…'; kind = 'busy'
    } else {
      text = 'Offline'; kind = 'bad'
    }
    state.textContent = text
    state.dataset.kind = kind
  }

  const renderPeople = () => {
    const entries = [...session.awareness.getStates().entries()]
      .filter(([, value]) => value && (value as { user?: AwarenessUser }).user)
      .map(([clientId, value]) => {
        const user = (value as { user: AwarenessUser }).user
        const me = clientId === ydoc.clientID
        return h('li', { style: `--user:${colorFor(user.id ?? user.name)}` }, `${user.name ?? '?'}${me ? ' (you)' : ''}`)
      })
    people.replaceChildren(...entries)
  }

  session.on('status', renderState)
  session.on('synced', renderState)
  session.on('saved', renderState)
  session.on('role', value => {
    role.textContent = value
    editor.setEditable(value === 'owner' || value === 'editor')
    notice.textContent = editor.isEditable ? '' : 'You can read this document but not change it.'
  })
  session.on('revoked', ({ reason }) => {
    editor.setEditable(false)
    notice.textContent = `Your access to this document was removed${reason ? ` (${reason})` : ''}.`
    renderState()
  })
  session.on('rejected', ({ code }) => {
    if (code === 'read-only') {
      // Demoted while editing: stop offering edits the server will refuse.
      editor.setEditable(false)
      notice.textContent = 'Your changes were not accepted: this document is read-only for you.'
    }
    else if (code === 'rate-limited') notice.textContent = 'Slow down: the server is limiting your edits.'
    else notice.textContent = `The server rejected a change (${code}).`
  })
  session.on('error', ({ error }) => {
    if (session.refused) {
      notice.textContent = 'You do not have access to this document.'
      renderState()
    } else if (!(error instanceof Error && /connection being closed|connection was stopped/i.test(error.message))) {
      console.warn(error)
    }
  })
  session.awareness.on('change', renderPeople)
  renderState()

  const element = h('section', { class: 'card doc' },
    h('header', { class: 'doc-header' },
      h('a', { href: '#/' }, '← Documents'),
      title,
      h('code', { class: 'doc-id' }, docId),
      role,
      state),
    people,
    notice,
    surface,
    sharing)

  return {
    element,
    onJoined(callback) {
      if (session.role) callback()
      else session.on('role', () => callback())
    },
    dispose() {
      editor.destroy()
      session.destroy()
      ydoc.destroy()
    },
  }
}

/** Owners only: who has access, and a form to add someone or change their role. */
function sharingPanel(api: Api, info: DocumentInfo, refresh: () => void): Node[] {
  const roles = ['viewer', 'commenter', 'editor', 'owner']
  const username = h('input', { name: 'member', placeholder: 'User name', required: true })
  const role = h('select', { name: 'role' }, ...roles.map(r => h('option', { value: r, selected: r === 'editor' }, r)))
  const message = h('p', { class: 'error', role: 'alert' })
  const form = h('form', { class: 'row' }, username, role, h('button', { type: 'submit' }, 'Share'))
  form.addEventListener('submit', async event => {
    event.preventDefault()
    try {
      await api.setMember(info.id, username.value.trim(), role.value)
      refresh()
    } catch (error) {
      message.textContent = error instanceof ApiError && error.status === 400 ? `No user "${username.value.trim()}".` : String(error)
    }
  })
  const members = h('ul', { class: 'members' }, ...info.members.map(member => {
    const remove = h('button', { type: 'button', class: 'link' }, 'remove')
    remove.addEventListener('click', async () => {
      try {
        await api.removeMember(info.id, member.username)
        refresh()
      } catch (error) {
        message.textContent = error instanceof ApiError && error.status === 409 ? 'A document needs at least one owner.' : String(error)
      }
    })
    return h('li', {}, h('span', {}, member.username), h('span', { class: 'badge' }, member.role), remove)
  }))
  return [h('summary', {}, `Sharing (${info.members.length})`), members, form, message]
}
