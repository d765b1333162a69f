// The OKR link in the sidebar (employees only: partners see no OKRs). Part of the shell's chunk.
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import type { AppContext } from '../context'

export function OkrNav({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  if (context.isPartner) return null
  return (
    <nav className="okr-nav" aria-label={t('okr.title')}>
      <div className="sidebar-heading">
        <Link to="/okr" className="heading-link" data-testid="okr-link">{t('okr.title')}</Link>
      </div>
    </nav>
  )
}
