import './style.css'
import './i18n/app'
import './i18n/projects'
import './i18n/okr'
import { QueryClient, QueryClientProvider } from '@tanstack/react-query'
import { lazy } from 'react'
import { createRoot } from 'react-dom/client'
import { I18nextProvider } from 'react-i18next'
import { createBrowserRouter, Navigate, RouterProvider, type RouteObject } from 'react-router'
import { i18n, locale } from './i18n'
import { DialogProvider } from './app/dialogs'
import { LoginPage } from './app/LoginPage'
import { HomePage, SearchPage, SpacePage, TrashPage } from './app/MainViews'
import { pathOfLegacyHash, routedHref } from './app/navigation'
import { currentUser } from './app/session'
import { SignedInLayout } from './app/Shell'
import { applyTheme, storedTheme } from './app/theme'

// Each area is its own chunk, loaded when first opened.
const SpacePageRoute = lazy(() => import('./app/PageRoute').then(m => ({ default: m.SpacePageRoute })))
const DocumentRoute = lazy(() => import('./app/PageRoute').then(m => ({ default: m.DocumentRoute })))
const AdminRoute = lazy(() => import('./app/AdminRoute'))
const LinkRoute = lazy(() => import('./app/LinkRoute'))
const ProjectsPage = lazy(() => import('./app/projects/ProjectRoute').then(m => ({ default: m.ProjectsPage })))
const WorkloadPage = lazy(() => import('./app/projects/ProjectRoute').then(m => ({ default: m.WorkloadPage })))
const ProjectPage = lazy(() => import('./app/projects/ProjectRoute').then(m => ({ default: m.ProjectPage })))
const MyOkrsPage = lazy(() => import('./app/okr/OkrRoute').then(m => ({ default: m.MyOkrsPage })))
const ObjectivePage = lazy(() => import('./app/okr/OkrRoute').then(m => ({ default: m.ObjectivePage })))
const AlignmentGraphPage = lazy(() => import('./app/okr/OkrRoute').then(m => ({ default: m.AlignmentGraphPage })))

function LoginRoute() {
  return currentUser() ? <Navigate to="/" replace /> : <LoginPage />
}

const routes: RouteObject[] = [
  { path: '/login', element: <LoginRoute /> },
  { path: '/link', element: <LinkRoute /> },
  { path: '/link/:token', element: <LinkRoute /> },
  {
    path: '/',
    element: <SignedInLayout />,
    children: [
      { index: true, element: <HomePage /> },
      { path: 'space/:spaceId', element: <SpacePage /> },
      { path: 'space/:spaceId/trash', element: <TrashPage /> },
      { path: 'space/:spaceId/page/:pageId', element: <SpacePageRoute /> },
      { path: 'doc/:docId', element: <DocumentRoute /> },
      { path: 'search', element: <SearchPage /> },
      { path: 'projects', element: <ProjectsPage /> },
      { path: 'workload', element: <WorkloadPage /> },
      { path: 'project/:projectId', element: <ProjectPage view="board" /> },
      { path: 'project/:projectId/item/:itemId', element: <ProjectPage view="board" /> },
      { path: 'project/:projectId/dashboard', element: <ProjectPage view="dashboard" /> },
      { path: 'project/:projectId/gantt', element: <ProjectPage view="gantt" /> },
      { path: 'okr', element: <MyOkrsPage /> },
      { path: 'okr/graph', element: <AlignmentGraphPage /> },
      { path: 'okr/objective/:objectiveId', element: <ObjectivePage /> },
      { path: 'admin', element: <AdminRoute /> },
      { path: 'admin/:tab', element: <AdminRoute /> },
      { path: '*', element: <Navigate to="/" replace /> },
    ],
  },
]

// Old `#/…` URLs (bookmarks, the server's share-link URL) open their real path.
const legacy = pathOfLegacyHash(location.hash)
if (legacy !== null) history.replaceState(null, '', legacy)

const router = createBrowserRouter(routes)
window.addEventListener('hashchange', () => {
  const path = pathOfLegacyHash(location.hash)
  if (path !== null) void router.navigate(path, { replace: true })
})
// Links built outside React (in the editor's content) move through the router instead of reloading the page.
document.addEventListener('click', event => {
  const href = routedHref(event)
  if (href === null) return
  event.preventDefault()
  void router.navigate(href)
})

applyTheme(storedTheme())
document.documentElement.lang = locale()
const queries = new QueryClient({ defaultOptions: { queries: { retry: false, refetchOnWindowFocus: false } } })

createRoot(document.getElementById('app')!).render(
  <I18nextProvider i18n={i18n}>
    <QueryClientProvider client={queries}>
      <DialogProvider>
        <RouterProvider router={router} />
      </DialogProvider>
    </QueryClientProvider>
  </I18nextProvider>,
)
