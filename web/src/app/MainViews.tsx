// Main-area routes of the shell that load with it: home, a space's overview and trash, search results.
import { useQuery, useQueryClient } from '@tanstack/react-query'
import { useEffect, useRef } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams, useSearchParams } from 'react-router'
import { atLeast, docPath, pagePath, spacePath } from './context'
import { useDialogs } from './dialogs'
import { useShell } from './Shell'
import { treeKey, usePageActions, useSpaces, useSpaceTree } from './spaces'
import { childrenOf } from './tree'
import { errorText, snippetSegments } from './ui'

export function HomePage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const spaces = useSpaces(context)
  return (
    <section className="view">
      <h1>{t('app.home.welcome', { name: context.me.displayName })}</h1>
      <p className="muted">{context.isPartner ? t('app.home.partnerIntro') : t('app.home.intro')}</p>
      <h2>{t('app.spaces')}</h2>
      <ul className="cards">
        {spaces.isPending ? <li className="muted">{t('app.loading')}</li>
          : spaces.isError ? <li className="error">{errorText(spaces.error)}</li>
          : spaces.data.length === 0 ? <li className="muted">{context.isPartner ? t('app.space.noneShared') : t('app.home.empty')}</li>
          : spaces.data.map(space => (
            <li key={space.id}>
              <Link className="card-link" to={spacePath(space.id)}>
                <span className="space-icon big" aria-hidden="true">{(space.title || '?').slice(0, 1).toUpperCase()}</span>
                <strong>{space.title || space.id}</strong>
              </Link>
            </li>
          ))}
      </ul>
    </section>
  )
}

export function SearchPage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const [params] = useSearchParams()
  const query = params.get('q') ?? ''
  const hits = useQuery({ queryKey: ['search', context.user.username, query], queryFn: () => context.api.search(query, 50), enabled: query.trim() !== '' })
  return (
    <section className="view">
      <h1>{t('app.search.title', { q: query })}</h1>
      <ol className="results" data-testid="search-results">
        {!query.trim() ? <li className="muted">{t('app.search.prompt')}</li>
          : hits.isPending ? <li className="muted">{t('app.search.searching')}</li>
          : hits.isError ? <li className="error">{errorText(hits.error)}</li>
          : hits.data.length === 0 ? <li className="muted">{t('app.search.none', { q: query })}</li>
          : hits.data.map(hit => (
            <li key={hit.id}>
              <Link to={hit.spaceId ? pagePath(hit.spaceId, hit.id) : docPath(hit.id)}>{hit.title || t('app.page.untitled')}</Link>
              <p className="snippet">{snippetSegments(hit.snippet ?? '').map((part, i) => part.marked ? <mark key={i}>{part.text}</mark> : part.text)}</p>
            </li>
          ))}
      </ol>
    </section>
  )
}

export function SpacePage() {
  const { spaceId = '' } = useParams()
  return <SpaceOverview key={spaceId} spaceId={spaceId} />
}

function SpaceOverview({ spaceId }: { spaceId: string }) {
  const { t } = useTranslation()
  const { context } = useShell()
  const actions = usePageActions(context)
  const tree = useSpaceTree(context, spaceId)
  const title = tree.data?.space.title
  useEffect(() => { if (title !== undefined) document.title = title }, [title])
  const roots = tree.data ? childrenOf(tree.data, spaceId) : []
  return (
    <section className="view">
      <h1>{title ?? ''}</h1>
      <div>
        {tree.isError ? <p className="error">{errorText(tree.error)}</p>
          : !tree.data ? <p className="muted">{t('app.loading')}</p>
          : <>
            {roots.length
              ? <ul className="page-list">{roots.map(page => <li key={page.id}><Link to={pagePath(spaceId, page.id)}>{page.title || t('app.page.untitled')}</Link></li>)}</ul>
              : <p className="muted">{t('app.page.none')}</p>}
            {atLeast(tree.data.space.level, 'edit') ? <button type="button" onClick={() => void actions.createPage(tree.data, null)}>{`+ ${t('app.page.new')}`}</button> : null}
          </>}
      </div>
    </section>
  )
}

export function TrashPage() {
  const { t } = useTranslation()
  const { context } = useShell()
  const { toast } = useDialogs()
  const queries = useQueryClient()
  const { spaceId = '' } = useParams()
  // Never shown from an earlier visit: the trash changes from other places.
  const trash = useQuery({ queryKey: ['trash', context.user.username, spaceId], queryFn: () => context.api.spaceTrash(spaceId), gcTime: 0 })
  const { refetch } = trash
  // A page trashed elsewhere shows up here without a reload: the tree (kept live by the sidebar) changed.
  const tree = useSpaceTree(context, spaceId).data
  const treeSeen = useRef(tree)
  useEffect(() => {
    if (!tree || tree === treeSeen.current) return
    treeSeen.current = tree
    void refetch()
  }, [tree, refetch])
  const restore = async (page: { id: string; title: string }) => {
    try {
      await context.api.restorePage(page.id)
      toast(t('app.trash.restored', { title: page.title }))
      await Promise.all([refetch(), queries.invalidateQueries({ queryKey: treeKey(context, spaceId) })])
    } catch (error) {
      toast(errorText(error), 'bad')
    }
  }
  return (
    <section className="view">
      <h1>{t('app.trash.title')}</h1>
      <p className="muted">{t('app.trash.help')}</p>
      <ul className="rows" data-testid="trash">
        {trash.isPending ? <li className="muted">{t('app.loading')}</li>
          : trash.isError ? <li className="error">{errorText(trash.error)}</li>
          : trash.data.length === 0 ? <li className="muted">{t('app.trash.empty')}</li>
          : trash.data.map(page => (
            <li key={page.id}>
              <span className="grow">{page.title || t('app.page.untitled')}</span>
              <button type="button" className="secondary small" onClick={() => void restore(page)}>{t('app.trash.restore')}</button>
            </li>
          ))}
      </ul>
    </section>
  )
}
