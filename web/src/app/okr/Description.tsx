// The objective's description, co-edited live like a page: a Tiptap editor bound to the `description` root of the
// objective's Y document (the server owns the other roots). Owners and contributors write; everyone else reads.
import { Editor } from '@tiptap/core'
import Collaboration from '@tiptap/extension-collaboration'
import StarterKit from '@tiptap/starter-kit'
import { useEffect, useRef } from 'react'
import type * as Y from 'yjs'

export function Description({ doc, editable }: { doc: Y.Doc; editable: boolean }) {
  const host = useRef<HTMLDivElement>(null)
  const editor = useRef<Editor | null>(null)
  useEffect(() => {
    const created = new Editor({
      element: host.current!,
      editable,
      extensions: [
        // Undo/redo comes from the Yjs undo manager of the Collaboration extension.
        StarterKit.configure({ undoRedo: false, link: { openOnClick: false, autolink: true } }),
        Collaboration.configure({ document: doc, field: 'description' }),
      ],
    })
    editor.current = created
    return () => { created.destroy(); editor.current = null }
    // One editor per document; editability follows below without a new editor.
  }, [doc])
  useEffect(() => { editor.current?.setEditable(editable) }, [editable])
  return <div className="okr-description" ref={host} data-testid="objective-description" />
}
