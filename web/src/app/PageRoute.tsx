// An open page (in a space's tree, or a standalone document): its own chunk, with the editor (Tiptap, comments,
// history and compare) and the sharing dialog.
import { useEffect, useMemo } from 'react'
import { useParams } from 'react-router'
import { editorPage, type EditorPage } from '../editor'
import type { AppContext } from './context'
import { PageView } from './PageView'
import { useShell } from './Shell'

// The editor of the open page outlives re-renders of the page around it (language switch, tree updates, and the
// move from `/doc/<id>` to the page's place in its space), so its connection and caret stay.
let open: { docId: string; page: EditorPage } | null = null
let release: ReturnType<typeof setTimeout> | undefined

function editorFor(context: AppContext, docId: string): EditorPage {
  clearTimeout(release)
  if (open?.docId !== docId) {
    open?.page.dispose()
    open = { docId, page: editorPage(context.connection, context.api, docId, context.user) }
  }
  return open.page
}

/** Closes the editor unless the next route opens the same page again right away. */
function releaseEditor(): void {
  clearTimeout(release)
  release = setTimeout(() => {
    open?.page.dispose()
    open = null
  }, 0)
}

function PageHost({ docId, spaceId }: { docId: string; spaceId: string | null }) {
  const { context } = useShell()
  const editor = useMemo(() => editorFor(context, docId), [context, docId])
  useEffect(() => releaseEditor, [])
  return <PageView key={docId} context={context} docId={docId} spaceId={spaceId} editor={editor} />
}

export function SpacePageRoute() {
  const { spaceId = '', pageId = '' } = useParams()
  return <PageHost docId={pageId} spaceId={spaceId} />
}

export function DocumentRoute() {
  const { docId = '' } = useParams()
  return <PageHost docId={docId} spaceId={null} />
}
