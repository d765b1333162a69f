// The administration page (admins only; the server enforces it, the shell only hides the entry): its own chunk.
import { Navigate, useParams } from 'react-router'
import { AdminPage, adminTabs, type AdminTab } from './admin'
import { useShell } from './Shell'

export default function AdminRoute() {
  const { context } = useShell()
  const { tab = '' } = useParams()
  if (!context.me.isAdmin || context.isPartner) return <Navigate to="/" replace />
  const chosen: AdminTab = (adminTabs as readonly string[]).includes(tab) ? tab as AdminTab : 'users'
  return <AdminPage context={context} tab={chosen} />
}
