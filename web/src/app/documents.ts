import { Api, ApiError, type DocumentSummary } from '../api'
import { h } from './dom'

export function documentsPage(api: Api, onUnauthorized: () => void): HTMLElement {
  const list = h('ul', { class: 'documents' }, h('li', { class: 'muted' }, 'Loading…'))
  const message = h('p', { class: 'error', role: 'alert' })
  const title = h('input', { name: 'title', placeholder: 'Title of the new document', required: true })
  const create = h('form', { class: 'row' }, title, h('button', { type: 'submit' }, 'Create'))
  const openId = h('input', { name: 'docId', placeholder: 'Document id', required: true })
  const open = h('form', { class: 'row' }, openId, h('button', { type: 'submit' }, 'Open'))

  const fail = (error: unknown) => {
    if (error instanceof ApiError && error.status === 401) onUnauthorized()
    else message.textContent = error instanceof Error ? error.message : String(error)
  }
  create.addEventListener('submit', async event => {
    event.preventDefault()
    try {
      const id = await api.createDocument(title.value.trim() || 'Untitled')
      location.hash = `#/doc/${encodeURIComponent(id)}`
    } catch (error) {
      fail(error)
    }
  })
  open.addEventListener('submit', event => {
    event.preventDefault()
    location.hash = `#/doc/${encodeURIComponent(openId.value.trim())}`
  })

  const render = (docs: DocumentSummary[]) => {
    list.replaceChildren(...(docs.length === 0
      ? [h('li', { class: 'muted' }, 'No documents yet.')]
      : docs.map(doc => h('li', {},
          h('a', { href: `#/doc/${encodeURIComponent(doc.id)}` }, doc.title || doc.id),
          doc.role ? h('span', { class: 'badge' }, doc.role) : null))))
  }
  api.listDocuments().then(render, error => {
    list.replaceChildren()
    fail(error)
  })

  return h('section', { class: 'card' },
    h('h1', {}, 'Documents'),
    list,
    h('h2', {}, 'New document'), create,
    h('h2', {}, 'Open by id'), open,
    message)
}
