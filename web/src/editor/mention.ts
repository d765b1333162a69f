// @mentions in the page: a `mention` node (attributes `id` = username, `label` = display name) and the people
// picker that typing "@" opens. The server notifies people newly mentioned once the page is saved
// (docs/notifications.md). The picker marks people who cannot read the page: choosing one warns that they will not
// be notified, and offers to share the page with them (for those who may share).
import { Node, mergeAttributes, type Editor } from '@tiptap/core'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import type { Api } from '../api'
import { h } from '../app/dom'
import { t } from '../i18n'
import '../app/notifications/messages'
import '../app/notifications/notifications.css'

export interface MentionOptions {
  /** "@" was typed in an editable page. */
  onTrigger: () => void
}

export const Mention = Node.create<MentionOptions>({
  name: 'mention',
  group: 'inline',
  inline: true,
  atom: true,
  selectable: false,
  addOptions() {
    return { onTrigger: () => {} }
  },
  addAttributes() {
    return {
      id: { default: null, parseHTML: element => element.getAttribute('data-id'), renderHTML: attributes => ({ 'data-id': attributes.id }) },
      label: { default: null, parseHTML: element => element.getAttribute('data-label'), renderHTML: attributes => ({ 'data-label': attributes.label }) },
    }
  },
  parseHTML() {
    return [{ tag: 'span[data-type="mention"]' }]
  },
  renderHTML({ node, HTMLAttributes }) {
    return ['span', mergeAttributes({ 'data-type': 'mention', class: 'mention' }, HTMLAttributes), `@${node.attrs.label ?? node.attrs.id ?? ''}`]
  },
  renderText({ node }) {
    return `@${node.attrs.label ?? node.attrs.id ?? ''}`
  },
  addProseMirrorPlugins() {
    const options = this.options
    return [new Plugin({
      key: new PluginKey('mention-trigger'),
      props: {
        handleTextInput: (view, _from, _to, text) => {
          // The "@" itself is typed as usual; the picker replaces it when someone is chosen.
          if (text === '@' && view.editable) setTimeout(() => options.onTrigger(), 0)
          return false
        },
      },
    })]
  },
})

export interface Person { username: string; name: string; canRead: boolean }

/** Directory search (employees) for people, each checked against the page's readers. */
export async function findPeople(api: Api, docId: string, query: string): Promise<Person[]> {
  const hits = (await api.searchDirectory(query)).filter(hit => hit.kind === 'user').slice(0, 8)
  if (hits.length === 0) return []
  const people = hits.map(hit => ({ username: hit.principal.replace(/^user:/, ''), name: hit.name }))
  const checks = await api.call('post', '/api/docs/{id}/mention-check', { path: { id: docId }, body: { usernames: people.map(p => p.username) } })
  const readable = new Map(checks.map(check => [check.username, check.canRead]))
  return people.map(person => ({ ...person, canRead: readable.get(person.username) === true }))
}

/** Shares the page with the person (view), through the sharing API. */
export async function shareWith(api: Api, docId: string, username: string): Promise<void> {
  await api.call('post', '/api/resources/{id}/grants', { path: { id: docId }, body: { principal: `user:${username}`, level: 'view' } })
}

export interface MentionPicker {
  open(): void
  close(): void
  dispose(): void
}

/**
 * The picker: a search box under the caret. Enter or a click chooses; a person who cannot read the page gets a
 * warning first (share with them, mention anyway, or cancel).
 */
export function mentionPicker(editor: Editor, api: Api, docId: string, canShare: () => boolean): MentionPicker {
  const input = h('input', { type: 'search', 'aria-label': t('notify.mention.search'), placeholder: t('notify.mention.search'), 'data-testid': 'mention-search' }) as HTMLInputElement
  const list = h('ul', { class: 'mention-results', role: 'listbox', 'data-testid': 'mention-results' })
  const warning = h('div', { class: 'mention-warning', role: 'alert', 'data-testid': 'mention-warning', hidden: true })
  const element = h('div', { class: 'mention-picker', role: 'dialog', 'aria-label': t('notify.mention.pick'), 'data-testid': 'mention-picker', hidden: true },
    input, list, warning)
  document.body.append(element)
  let people: Person[] = []
  let query = 0

  const insert = (person: Person) => {
    close()
    const { from } = editor.state.selection
    const before = from > 0 ? editor.state.doc.textBetween(from - 1, from, '', '') : ''
    editor.chain().focus()
      .deleteRange({ from: before === '@' ? from - 1 : from, to: from })
      .insertContent([{ type: 'mention', attrs: { id: person.username, label: person.name } }, { type: 'text', text: ' ' }])
      .run()
  }

  const warn = (person: Person) => {
    list.replaceChildren()
    const actions = h('div', { class: 'actions' })
    if (canShare()) {
      const share = h('button', { type: 'button', 'data-testid': 'mention-share' }, t('notify.mention.share', { name: person.name }))
      share.addEventListener('click', () => {
        shareWith(api, docId, person.username).then(() => insert({ ...person, canRead: true }), error => {
          warning.append(h('p', { class: 'error' }, error instanceof Error ? error.message : String(error)))
        })
      })
      actions.append(share)
    }
    const anyway = h('button', { type: 'button', 'data-testid': 'mention-anyway' }, t('notify.mention.anyway'))
    anyway.addEventListener('click', () => insert(person))
    const cancel = h('button', { type: 'button' }, t('app.cancel'))
    cancel.addEventListener('click', () => close())
    actions.append(anyway, cancel)
    warning.replaceChildren(h('p', {}, t('notify.mention.warn', { name: person.name })), actions)
    warning.hidden = false
  }

  const choose = (person: Person) => person.canRead ? insert(person) : warn(person)

  const render = () => {
    warning.hidden = true
    list.replaceChildren(...(people.length === 0
      ? [h('li', { class: 'muted' }, t('notify.mention.none'))]
      : people.map(person => {
        const button = h('button', { type: 'button', role: 'option', 'data-username': person.username, 'data-can-read': String(person.canRead) },
          person.name, person.canRead ? null : h('span', { class: 'badge' }, t('notify.mention.noAccess')))
        button.addEventListener('click', () => choose(person))
        return h('li', {}, button)
      })))
  }

  const search = async () => {
    const mine = ++query
    try {
      const found = await findPeople(api, docId, input.value.trim())
      if (mine !== query) return
      people = found
    } catch {
      if (mine !== query) return
      people = []
    }
    render()
  }

  let timer: ReturnType<typeof setTimeout> | undefined
  input.addEventListener('input', () => {
    clearTimeout(timer)
    timer = setTimeout(() => void search(), 150)
  })
  input.addEventListener('keydown', event => {
    if (event.key === 'Escape') { event.preventDefault(); close(); editor.commands.focus() }
    else if (event.key === 'Enter') {
      event.preventDefault()
      if (people[0]) choose(people[0])
    }
  })
  const outside = (event: MouseEvent) => { if (!element.hidden && !element.contains(event.target as globalThis.Node)) close() }
  document.addEventListener('mousedown', outside)

  function open() {
    const caret = editor.view.coordsAtPos(editor.state.selection.from)
    element.style.left = `${Math.max(8, Math.min(caret.left, window.innerWidth - 280))}px`
    element.style.top = `${caret.bottom + 4}px`
    element.hidden = false
    input.value = ''
    people = []
    list.replaceChildren()
    warning.hidden = true
    input.focus()
    void search()
  }

  function close() {
    element.hidden = true
    query++
  }

  return {
    open,
    close,
    dispose() {
      clearTimeout(timer)
      document.removeEventListener('mousedown', outside)
      element.remove()
    },
  }
}

/**
 * `@` in a comment box: suggests people as the name is typed and puts `@username` into the text (the server notifies
 * those who may read the page). Choosing someone who may not read it leaves a warning under the box.
 */
export function commentMentions(api: Api, docId: string): (input: HTMLTextAreaElement) => void {
  return input => {
    const list = h('ul', { class: 'mention-results comment-mentions', role: 'listbox', 'data-testid': 'comment-mention-results', hidden: true })
    const warning = h('p', { class: 'mention-warning small', role: 'status', 'data-testid': 'comment-mention-warning', hidden: true })
    let query = 0
    let timer: ReturnType<typeof setTimeout> | undefined
    const typed = () => /(?:^|\s)@([^\s@]{0,40})$/.exec(input.value.slice(0, input.selectionStart ?? input.value.length))
    const choose = (person: Person) => {
      const caret = input.selectionStart ?? input.value.length
      const match = typed()
      const start = match ? caret - match[1].length - 1 : caret
      input.value = `${input.value.slice(0, start)}@${person.username} ${input.value.slice(caret)}`
      const after = start + person.username.length + 2
      input.setSelectionRange(after, after)
      input.dispatchEvent(new Event('input'))
      list.hidden = true
      warning.hidden = person.canRead
      warning.textContent = person.canRead ? '' : t('notify.mention.warn', { name: person.name })
      input.focus()
    }
    input.addEventListener('input', () => {
      clearTimeout(timer)
      const match = typed()
      if (!match) { list.hidden = true; return }
      if (!list.isConnected) input.after(list, warning)
      const mine = ++query
      timer = setTimeout(() => {
        findPeople(api, docId, match[1]).then(people => {
          if (mine !== query) return
          list.replaceChildren(...people.map(person => {
            const button = h('button', { type: 'button', role: 'option', 'data-username': person.username, 'data-can-read': String(person.canRead) },
              person.name, person.canRead ? null : h('span', { class: 'badge' }, t('notify.mention.noAccess')))
            button.addEventListener('click', () => choose(person))
            return h('li', {}, button)
          }))
          list.hidden = people.length === 0
        }, () => { list.hidden = true })
      }, 150)
    })
    input.addEventListener('keydown', event => {
      if (event.key === 'Escape' && !list.hidden) { event.stopPropagation(); list.hidden = true }
    })
  }
}
