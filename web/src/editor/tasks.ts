// Task-list checkboxes follow the editor's editability. Tiptap's TaskItem leaves them enabled in a read-only editor
// and only flips a viewer's tick back after the click, so a viewer saw a live checkbox that did nothing.
// A plugin view runs after every state update, including setEditable and node views made for remote changes.
import { Extension } from '@tiptap/core'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import type { EditorView } from '@tiptap/pm/view'

const key = new PluginKey('taskCheckboxesFollowEditable')

function sync(view: EditorView): void {
  const disabled = !view.editable
  for (const checkbox of view.dom.querySelectorAll<HTMLInputElement>('ul[data-type=taskList] > li > label > input[type=checkbox]')) {
    if (checkbox.disabled !== disabled) checkbox.disabled = disabled
  }
}

export const TaskCheckboxesFollowEditable = Extension.create({
  name: 'taskCheckboxesFollowEditable',
  addProseMirrorPlugins() {
    return [new Plugin({ key, view: view => { sync(view); return { update: sync } } })]
  },
})
