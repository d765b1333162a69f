import { Api, ApiError, type DocumentInfo } from '../api'
import { h } from './dom'
import { forgetDocument, recentDocuments } from './recent'

export function documentsPage(api: Api, username: string, onUnauthorized: () => void): HTMLElement {
  const list = h('ul', { class: 'documents' })
  const message = h('p', { class: 'error', role: 'alert' })
  const title = h('input', { name: 'title', placeholder: 'Title of the new document', required: true, maxlength: '200' })
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
      const id = await api.createDocument(title.value.trim())
      location.hash = `#/doc/${encodeURIComponent(id)}`
    } catch (error) {
      fail(error)
    }
  })
  open.addEventListener('submit', event => {
    event.preventDefault()
    location.hash = `#/doc/${encodeURIComponent(openId.value.trim())}`
  })

  const item = (doc: DocumentInfo) => h('li', {},
    h('a', { href: `#/doc/${encodeURIComponent(doc.id)}` }, doc.title),
    h('span', { class: 'badge' }, doc.role),
    h('code', { class: 'muted' }, doc.id))

  const ids = recentDocuments(username)
  if (ids.length === 0) list.append(h('li', { class: 'muted' }, 'No documents yet: create one, or open one shared with you by its id.'))
  else {
    list.append(h('li', { class: 'muted' }, 'Loading…'))
    Promise.all(ids.map(id => api.describeDocument(id).catch((error: unknown) => {
      // Deleted or no longer shared: drop it from the list.
      if (error instanceof ApiError && error.status === 404) forgetDocument(username, id)
      else throw error
      return null
    }))).then(docs => {
      const visible = docs.filter((doc): doc is DocumentInfo => doc !== null)
      list.replaceChildren(...(visible.length ? visible.map(item) : [h('li', { class: 'muted' }, 'No documents yet.')]))
    }, error => {
      list.replaceChildren()
      fail(error)
    })
  }

  return h('section', { class: 'card' },
    h('h1', {}, 'Your documents'),
    list,
    h('h2', {}, 'New document'), create,
    h('h2', {}, 'Open by id'), open,
    message)
}
