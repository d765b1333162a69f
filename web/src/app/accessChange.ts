// Moving or restricting a page can change who may read it: before it happens, the server's preview of who gains and
// who loses read access is shown and has to be confirmed (a page moved under a section shared with a partner would
// otherwise be shared with them silently).
import type { AccessChange, AccessChangeEntry } from '../api'
import { t } from '../i18n'
import { h } from './dom'
import { confirmAction } from './ui'

function describe(entry: AccessChangeEntry): string {
  const kind = t(`app.access.kind.${entry.kind}`)
  const org = entry.partnerOrganization ? ` · ${entry.partnerOrganization}` : ''
  return `${entry.displayName} (${kind}${org})`
}

function section(titleKey: string, entries: AccessChangeEntry[], hidden: number, testId: string): HTMLElement | null {
  if (entries.length === 0 && hidden === 0) return null
  const items = entries.map(entry => h('li', {}, describe(entry)))
  if (hidden > 0) items.push(h('li', { class: 'muted' }, t('app.access.hiddenEmployees', { count: hidden })))
  return h('div', { 'data-testid': testId }, h('strong', {}, t(titleKey)), h('ul', {}, ...items))
}

export function changesAccess(change: AccessChange): boolean {
  return change.gains.length > 0 || change.losses.length > 0 || (change.hiddenGains ?? 0) > 0 || (change.hiddenLosses ?? 0) > 0
}

/** True when nothing changes for anyone, or the user confirmed the change; false when they cancelled. */
export async function confirmAccessChange(change: AccessChange, title: string, confirmLabel: string): Promise<boolean> {
  if (!changesAccess(change)) return true
  const body = h('div', { class: 'stack access-change', 'data-testid': 'access-change' },
    h('p', {}, t('app.access.intro')),
    section('app.access.gains', change.gains, change.hiddenGains ?? 0, 'access-gains'),
    section('app.access.losses', change.losses, change.hiddenLosses ?? 0, 'access-losses'))
  return confirmAction(title, body, confirmLabel)
}
