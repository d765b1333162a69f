// The administration page (admins only; the server enforces it, the shell only hides the entry): its own chunk.
import { useTranslation } from 'react-i18next'
import { Navigate, useParams } from 'react-router'
import { adminTabs, adminView, type AdminTab } from './admin'
import { LegacyView } from './LegacyView'
import { useShell } from './Shell'

export default function AdminRoute() {
  const { i18n } = useTranslation()
  const { context } = useShell()
  const { tab = '' } = useParams()
  if (!context.me.isAdmin || context.isPartner) return <Navigate to="/" replace />
  const chosen: AdminTab = (adminTabs as readonly string[]).includes(tab) ? tab as AdminTab : 'users'
  return <LegacyView make={() => adminView(context, chosen)} deps={[context, chosen, i18n.language]} />
}
