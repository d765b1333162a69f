// Checks content produced by the server's converters against the real editor stack (Tiptap 3 schema +
// y-tiptap, the browser's packages from web/node_modules), and builds content the way the editor writes it.
//   node tiptap-schema-check.cjs <webDir> check <update.bin>  → {"unchanged":bool,"json":<ProseMirror JSON>}
//   node tiptap-schema-check.cjs <webDir> build <doc.json>    → the V1 update (base64) of that ProseMirror JSON
'use strict'
const fs = require('node:fs')
const path = require('node:path')
const { createRequire } = require('node:module')

const [webDir, mode, file] = process.argv.slice(2)
const web = createRequire(path.join(webDir, 'package.json'))
const Y = web('yjs')
const { getSchema, Node } = web('@tiptap/core')
const starterKit = web('@tiptap/starter-kit')
const { TaskList, TaskItem } = web('@tiptap/extension-list')
const yTiptap = web('@tiptap/y-tiptap')

const optional = (name) => { try { return web(name) } catch { return null } }
// Tables and images: the real extensions when the web client installs them, else the same node specs.
const tables = optional('@tiptap/extension-table')
const image = optional('@tiptap/extension-image')
const cellAttrs = { colspan: { default: 1 }, rowspan: { default: 1 }, colwidth: { default: null } }
const tableNodes = tables
  ? [tables.Table, tables.TableRow, tables.TableHeader, tables.TableCell]
  : [
      Node.create({ name: 'table', group: 'block', content: 'tableRow+', tableRole: 'table', isolating: true }),
      Node.create({ name: 'tableRow', content: '(tableCell | tableHeader)*', tableRole: 'row' }),
      Node.create({ name: 'tableHeader', content: 'block+', tableRole: 'header_cell', isolating: true, addAttributes: () => cellAttrs }),
      Node.create({ name: 'tableCell', content: 'block+', tableRole: 'cell', isolating: true, addAttributes: () => cellAttrs }),
    ]
const imageNode = image
  ? (image.default ?? image.Image)
  : Node.create({ name: 'image', group: 'block', draggable: true, addAttributes: () => ({ src: { default: null }, alt: { default: null }, title: { default: null } }) })

const schema = getSchema([starterKit.default ?? starterKit.StarterKit, TaskList, TaskItem.configure({ nested: true }), ...tableNodes, imageNode])

if (mode === 'check') {
  const doc = new Y.Doc()
  Y.applyUpdate(doc, fs.readFileSync(file))
  const fragment = doc.getXmlFragment('default')
  const before = fragment.toString()
  // y-prosemirror deletes any element the schema rejects, so an unchanged fragment means every node was accepted.
  const root = yTiptap.yXmlFragmentToProseMirrorRootNode(fragment, schema)
  root.check()
  process.stdout.write(JSON.stringify({ unchanged: fragment.toString() === before, json: root.toJSON() }))
} else if (mode === 'build') {
  const doc = new Y.Doc()
  yTiptap.prosemirrorJSONToYXmlFragment(schema, JSON.parse(fs.readFileSync(file, 'utf8')), doc.getXmlFragment('default'))
  process.stdout.write(Buffer.from(Y.encodeStateAsUpdate(doc)).toString('base64'))
} else {
  throw new Error('mode: check or build')
}
