// Main-area routes of the shell that load with it: home, a space's overview and trash, search results.
import { useQuery } from '@tanstack/react-query'
import { useLayoutEffect } from 'react'
import { useTranslation } from 'react-i18next'
import { Link, useParams, useSearchParams } from 'react-router'
import { docPath, pagePath, spacePath } from './context'
import { LegacyView } from './LegacyView'
import { useShell } from './Shell'
import { errorText, snippetSegments } from './ui'
import { spaceView, trashView } from './views'

export function HomePage() {
  const { t } = useTranslation()
  const { context, sidebar } = useShell()
  useLayoutEffect(() => {
    sidebar.select(null, null)
    void sidebar.loadSpaces()
  }, [sidebar])
  const spaces = useQuery({ queryKey: ['spaces', context.user.username], queryFn: () => context.api.spaces() })
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
  const { context, sidebar } = useShell()
  const [params] = useSearchParams()
  const query = params.get('q') ?? ''
  useLayoutEffect(() => sidebar.select(null, null), [sidebar])
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
  const { i18n } = useTranslation()
  const { sidebar } = useShell()
  const { spaceId = '' } = useParams()
  return <LegacyView make={() => { sidebar.select(spaceId, null); return spaceView(sidebar, spaceId) }} deps={[sidebar, spaceId, i18n.language]} />
}

export function TrashPage() {
  const { i18n } = useTranslation()
  const { context, sidebar } = useShell()
  const { spaceId = '' } = useParams()
  return <LegacyView make={() => { sidebar.select(spaceId, null); return trashView(context, sidebar, spaceId) }} deps={[sidebar, spaceId, i18n.language]} />
}
