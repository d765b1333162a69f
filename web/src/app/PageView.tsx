// The main area for an open page: breadcrumbs, title, page actions (share, export, import) and the editor.
import { Fragment, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useNavigate } from 'react-router'
import type { Level, SpaceTree, TreeNode } from '../api'
import type { EditorPage } from '../editor'
import { t } from '../i18n'
import { atLeast, pagePath, spacePath, type AppContext } from './context'
import { showDialog, showToast as toast } from './dialogs'
import { LegacyView } from './LegacyView'
import type { ResourceKind } from './sharing'
import { useSpaceTree } from './spaces'
import { ancestry } from './tree'
import { download, errorText } from './ui'

interface Heading { title: string; level: Level; space: { id: string; title: string }; ancestors: TreeNode[] }

/** The page's title, level and breadcrumbs from its space's tree; null when the tree does not hold it. */
function headingFrom(tree: SpaceTree | null, docId: string): Heading | null {
  if (!tree) return null
  const chain = ancestry(tree, docId)
  const page = chain.at(-1)
  if (!page || page.id !== docId) return null
  return { title: page.title || t('app.page.untitled'), level: page.level, space: { id: tree.space.id, title: tree.space.title }, ancestors: chain.slice(0, -1) }
}

/** The Tiptap editor (src/editor, plain DOM with its own collaboration wiring) as a React component. */
export function CollabEditor({ editor }: { editor: EditorPage }) {
  return <LegacyView make={() => ({ element: editor.element })} deps={[editor]} />
}

export function PageView({ context, docId, spaceId, editor }: {
  context: AppContext
  docId: string
  spaceId: string | null
  editor: EditorPage
}) {
  const { t } = useTranslation()
  const navigate = useNavigate()
  // The tree the sidebar shows (the same cache entry): the title is there as soon as the page is, and changes with
  // the tree in the same render. A tree without the page (moved away, hidden) keeps the last heading.
  const tree = useSpaceTree(context, spaceId)
  const lastHeading = useRef<Heading | null>(null)
  const fromTree = (spaceId ? headingFrom(tree.data ?? null, docId) : null) ?? lastHeading.current
  lastHeading.current = fromTree
  const [info, setInfo] = useState<{ level: Level; noExport: boolean; kind: ResourceKind; title: string } | null>(null)
  useEffect(() => {
    if (fromTree) document.title = `${fromTree.title} · ${fromTree.space.title}`
  }, [fromTree])

  // The per-document façade tells the level and the no-export flag (for pages outside a tree too).
  useEffect(() => {
    let live = true
    setInfo(null)
    context.api.describeDocument(docId).then(described => {
      if (!live) return
      // A page reached by its id alone (search hit, old link) moves to its place in its space's tree.
      if (!spaceId && described.kind === 'page' && described.spaceId) {
        navigate(pagePath(described.spaceId, docId), { replace: true })
        return
      }
      setInfo({ level: described.level, noExport: described.noExport, kind: described.kind, title: described.title })
    }, () => { /* no access: the editor says so */ })
    return () => { live = false }
  }, [context, docId, spaceId, navigate])

  const title = fromTree?.title || info?.title || ''
  const level: Level = (spaceId ? fromTree?.level : info?.level) ?? 'none'
  const kind: ResourceKind = info?.kind ?? (spaceId ? 'page' : 'document')
  const canManage = atLeast(level, 'manage') && !context.isPartner
  const canEdit = atLeast(level, 'edit')
  const canExport = atLeast(level, 'view') && !(info?.noExport ?? false)
  const share = () => void import('./sharing').then(sharing => sharing.openSharing(context, docId, title, kind))

  return (
    <article className="page">
      <header className="page-header">
        <div className="page-heading">
          <nav className="crumbs" aria-label={t('app.breadcrumbs')}>
            {fromTree ? <>
              <Link to={spacePath(fromTree.space.id)}>{fromTree.space.title}</Link>
              {fromTree.ancestors.map(page => (
                <Fragment key={page.id}><span className="sep">/</span><Link to={pagePath(fromTree.space.id, page.id)}>{page.title}</Link></Fragment>
              ))}
            </> : null}
          </nav>
          <h1 className="page-title" data-testid="page-title">{title}</h1>
        </div>
        <div className="page-actions">
          {canManage ? <button type="button" className="secondary" data-testid="share" onClick={share}>{t('app.share')}</button> : null}
          {canExport ? <ExportMenu context={context} docId={docId} title={title || docId} withSubtree={kind === 'page'} /> : null}
          {canEdit ? <ImportButton context={context} docId={docId} /> : null}
        </div>
      </header>
      <CollabEditor editor={editor} />
    </article>
  )
}

function ExportMenu({ context, docId, title, withSubtree }: { context: AppContext; docId: string; title: string; withSubtree: boolean }) {
  const { t } = useTranslation()
  const menu = useRef<HTMLDetailsElement>(null)
  const run = async (format: 'md' | 'html', subtree: boolean) => {
    if (menu.current) menu.current.open = false
    try {
      const blob = await context.api.exportDocument(docId, format, subtree)
      download(blob, `${safeFileName(title)}.${format}`)
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }
  return (
    <details ref={menu} className="menu" data-testid="export">
      <summary className="button secondary">{t('app.export')}</summary>
      <div className="menu-items right">
        <button type="button" onClick={() => void run('md', false)}>{t('app.export.md')}</button>
        <button type="button" onClick={() => void run('html', false)}>{t('app.export.html')}</button>
        {withSubtree ? <button type="button" onClick={() => void run('md', true)}>{t('app.export.mdTree')}</button> : null}
        {withSubtree ? <button type="button" onClick={() => void run('html', true)}>{t('app.export.htmlTree')}</button> : null}
      </div>
    </details>
  )
}

function ImportButton({ context, docId }: { context: AppContext; docId: string }) {
  const { t } = useTranslation()
  const file = useRef<HTMLInputElement>(null)
  const chosen = async () => {
    const input = file.current
    const picked = input?.files?.[0]
    if (input) input.value = ''
    if (!picked) return
    const mode = await chooseImportMode(picked.name)
    if (!mode) return
    try {
      await context.api.importMarkdown(docId, await picked.text(), mode)
      toast(t('app.import.done', { name: picked.name }))
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }
  return (
    <span>
      <input ref={file} type="file" accept=".md,.markdown,text/markdown,text/plain" hidden data-testid="import-file" onChange={() => void chosen()} />
      <button type="button" className="secondary" onClick={() => file.current?.click()}>{t('app.import')}</button>
    </span>
  )
}

/** Replace the page's content, or add the file at its end; null when cancelled. */
function chooseImportMode(fileName: string): Promise<'replace' | 'append' | null> {
  return new Promise(resolve => {
    let answer: 'replace' | 'append' | null = null
    showDialog({
      title: t('app.import'),
      onClose: () => resolve(answer),
      render: close => <ImportModeChoice fileName={fileName} onChoose={mode => { answer = mode; close() }} />,
    })
  })
}

function ImportModeChoice({ fileName, onChoose }: { fileName: string; onChoose: (mode: 'replace' | 'append') => void }) {
  const { t } = useTranslation()
  return (
    <div className="stack" data-testid="import-mode">
      <p>{t('app.import.question', { name: fileName })}</p>
      <div className="actions">
        <button type="button" className="secondary" data-mode="append" onClick={() => onChoose('append')}>{t('app.import.append')}</button>
        <button type="button" data-mode="replace" data-autofocus onClick={() => onChoose('replace')}>{t('app.import.replace')}</button>
      </div>
    </div>
  )
}

function safeFileName(name: string): string {
  return name.replace(/[\\/:*?"<>|\u0000-\u001f]+/g, '_').trim().slice(0, 100) || 'page'
}
