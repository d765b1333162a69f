// Moving or restricting a page can change who may read it: before it happens, the server's preview of who gains and
// who loses read access is shown and has to be confirmed (a page moved under a section shared with a partner would
// otherwise be shared with them silently).
import { useTranslation } from 'react-i18next'
import type { AccessChange, AccessChangeEntry } from '../api'
import { askConfirm } from './dialogs'

function Entry({ entry }: { entry: AccessChangeEntry }) {
  const { t } = useTranslation()
  const org = entry.partnerOrganization ? ` · ${entry.partnerOrganization}` : ''
  return <li>{`${entry.displayName} (${t(`app.access.kind.${entry.kind}`)}${org})`}</li>
}

function Section({ titleKey, entries, hidden, testId }: { titleKey: string; entries: AccessChangeEntry[]; hidden: number; testId: string }) {
  const { t } = useTranslation()
  if (entries.length === 0 && hidden === 0) return null
  return (
    <div data-testid={testId}>
      <strong>{t(titleKey)}</strong>
      <ul>
        {entries.map((entry, i) => <Entry key={i} entry={entry} />)}
        {hidden > 0 ? <li className="muted">{t('app.access.hiddenEmployees', { count: hidden })}</li> : null}
      </ul>
    </div>
  )
}

function AccessChangeSummary({ change }: { change: AccessChange }) {
  const { t } = useTranslation()
  return (
    <div className="stack access-change" data-testid="access-change">
      <p>{t('app.access.intro')}</p>
      <Section titleKey="app.access.gains" entries={change.gains} hidden={change.hiddenGains ?? 0} testId="access-gains" />
      <Section titleKey="app.access.losses" entries={change.losses} hidden={change.hiddenLosses ?? 0} testId="access-losses" />
    </div>
  )
}

export function changesAccess(change: AccessChange): boolean {
  return change.gains.length > 0 || change.losses.length > 0 || (change.hiddenGains ?? 0) > 0 || (change.hiddenLosses ?? 0) > 0
}

/** True when nothing changes for anyone, or the user confirmed the change; false when they cancelled. */
export async function confirmAccessChange(change: AccessChange, title: string, confirmLabel: string): Promise<boolean> {
  if (!changesAccess(change)) return true
  return askConfirm(title, <AccessChangeSummary change={change} />, confirmLabel)
}
