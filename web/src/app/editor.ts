// The editor page lives in src/editor; the shell keeps importing it from here.
export { editorPage } from '../editor'
export type { EditorPage } from '../editor'
