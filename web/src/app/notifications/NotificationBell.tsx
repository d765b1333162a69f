// The notification centre: a bell with the unread count (live over the hub's `Notification` event) that opens the
// inbox. Items open their resource and are marked read; titles come from the server as the user may read them now.
import { useCallback, useEffect, useRef, useState } from 'react'
import { useTranslation } from 'react-i18next'
import { useNavigate } from 'react-router'
import type { Schema } from '../../api'
import { formatDateTime } from '../../i18n'
import { docPath, pagePath, spacePath, type AppContext } from '../context'
import { objectivePath } from '../okr/actions'
import { itemPath, projectPath } from '../projects/actions'
import { errorText } from '../ui'
import './messages'
import './notifications.css'

type Item = Schema<'NotificationResponse'>

const pageSize = 20

/** Where a notification leads: a project (at its item when the notification names one), an objective, its page in
 * its space, a space, or a standalone document. Projects and objectives are standalone resources, known by their id. */
export function notificationPath(item: Item): string {
  if (item.resourceId.startsWith('project-')) return item.anchor ? itemPath(item.resourceId, item.anchor) : projectPath(item.resourceId)
  if (item.resourceId.startsWith('objective-')) return objectivePath(item.resourceId)
  if (item.resourceKind === 'space') return spacePath(item.resourceId)
  if (item.spaceId) return pagePath(item.spaceId, item.resourceId)
  return docPath(item.resourceId)
}

export function NotificationBell({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const navigate = useNavigate()
  const [unread, setUnread] = useState(0)
  const [open, setOpen] = useState(false)
  const [items, setItems] = useState<Item[]>([])
  const [next, setNext] = useState<number | null>(null)
  const [unreadOnly, setUnreadOnly] = useState(false)
  const [failure, setFailure] = useState<unknown>(null)
  const [settingsOpen, setSettingsOpen] = useState(false)
  const panel = useRef<HTMLDivElement>(null)
  const { api, connection } = context

  const load = useCallback(async (before?: number) => {
    try {
      const page = await api.call('get', '/api/notifications', { query: { before, limit: pageSize, unread: unreadOnly || undefined } })
      setItems(current => before ? [...current, ...page.items] : page.items)
      setNext(page.next ?? null)
      setUnread(page.unread)
      setFailure(null)
    } catch (error) {
      setFailure(error)
    }
  }, [api, unreadOnly])

  // The count at start and after every reconnect (pushes sent while away are missed); live pushes in between.
  useEffect(() => {
    let live = true
    const refreshCount = () => api.call('get', '/api/notifications/unread').then(answer => { if (live) setUnread(answer.unread) }, () => {})
    refreshCount()
    const onPush = (_id: string, _kind: string, _resourceId: string, count: number) => setUnread(count)
    connection.hub.on('Notification', onPush)
    connection.hub.onreconnected(() => { void refreshCount() })
    return () => {
      live = false
      connection.hub.off('Notification', onPush)
    }
  }, [api, connection])

  // While the inbox is open, new notifications show at once.
  useEffect(() => {
    if (!open) return
    void load()
    const onPush = (id: string) => { if (id) void load() }
    connection.hub.on('Notification', onPush)
    return () => connection.hub.off('Notification', onPush)
  }, [open, load, connection])

  useEffect(() => {
    if (!open) return
    const close = (event: MouseEvent | KeyboardEvent) => {
      if (event instanceof KeyboardEvent ? event.key === 'Escape' : !panel.current?.contains(event.target as Node)) setOpen(false)
    }
    document.addEventListener('mousedown', close)
    document.addEventListener('keydown', close)
    return () => {
      document.removeEventListener('mousedown', close)
      document.removeEventListener('keydown', close)
    }
  }, [open])

  const markRead = async (ids: number[]) => {
    const answer = await api.call('post', '/api/notifications/read', { body: { ids } })
    setUnread(answer.unread)
    setItems(current => current.map(item => ids.includes(item.id) ? { ...item, read: true } : item))
  }

  const markAllRead = async () => {
    const answer = await api.call('post', '/api/notifications/read-all')
    setUnread(answer.unread)
    setItems(current => current.map(item => ({ ...item, read: true })))
  }

  const openItem = (item: Item) => {
    if (!item.read) void markRead([item.id]).catch(() => {})
    setOpen(false)
    navigate(notificationPath(item))
  }

  const label = unread > 0 ? t('notify.bell.unread', { count: unread }) : t('notify.bell')
  return (
    <div className="notify" ref={panel}>
      <button type="button" className="notify-bell link" aria-label={label} title={label} aria-expanded={open} aria-haspopup="dialog"
        data-testid="notify-bell" onClick={() => setOpen(!open)}>
        <span aria-hidden="true">🔔</span>
        {unread > 0 ? <span className="notify-count" data-testid="notify-count">{unread > 99 ? '99+' : unread}</span> : null}
      </button>
      {open ? (
        <div className="notify-panel" role="dialog" aria-label={t('notify.title')} data-testid="notify-panel">
          <div className="notify-head">
            <strong>{t('notify.title')}</strong>
            <label className="notify-filter">
              <input type="checkbox" checked={unreadOnly} onChange={event => setUnreadOnly(event.target.checked)} /> {t('notify.unreadOnly')}
            </label>
            <button type="button" className="link" onClick={() => void markAllRead()} disabled={unread === 0} data-testid="notify-read-all">{t('notify.markAllRead')}</button>
            <button type="button" className="link" onClick={() => setSettingsOpen(!settingsOpen)} aria-expanded={settingsOpen}>{t('notify.settings')}</button>
          </div>
          {settingsOpen ? <NotificationSettings context={context} /> : null}
          {failure ? <p className="error">{errorText(failure)}</p> : null}
          {items.length === 0 && !failure ? <p className="muted">{t('notify.empty')}</p> : null}
          <ul className="notify-list" data-testid="notify-list">
            {items.map(item => (
              <li key={item.id} className={item.read ? 'notify-item read' : 'notify-item unread'} data-testid="notify-item" data-kind={item.kind}>
                <button type="button" className="notify-open" onClick={() => openItem(item)}>
                  <span className="notify-text">{describe(t, item)}</span>
                  {item.snippet && item.kind !== 'share' ? <span className="notify-snippet">{item.snippet}</span> : null}
                  <time className="muted" dateTime={item.createdAt}>{formatDateTime(item.createdAt)}</time>
                </button>
                {item.read ? null : <button type="button" className="link notify-mark" onClick={() => void markRead([item.id])}>{t('notify.markRead')}</button>}
              </li>
            ))}
          </ul>
          {next !== null ? <button type="button" className="link" onClick={() => void load(next)}>{t('notify.more')}</button> : null}
        </div>
      ) : null}
    </div>
  )
}

function describe(t: (key: string, params?: Record<string, unknown>) => string, item: Item): string {
  const params = { actor: item.actorName, title: item.title }
  switch (item.kind) {
    case 'mention': return t('notify.text.mention', params)
    case 'reply': return t('notify.text.reply', params)
    case 'share': return t('notify.text.share', params)
    case 'assignment': return t('notify.text.assignment', params)
    case 'node-ready': return t('notify.text.node-ready', params)
    case 'status': return t('notify.text.status', params)
    default: return t('notify.text.other', params)
  }
}

function NotificationSettings({ context }: { context: AppContext }) {
  const { t } = useTranslation()
  const [settings, setSettings] = useState<Schema<'NotificationSettingsResponse'> | null>(null)
  const [failure, setFailure] = useState<unknown>(null)
  useEffect(() => {
    context.api.call('get', '/api/notifications/settings').then(setSettings, setFailure)
  }, [context.api])
  if (failure) return <p className="error">{errorText(failure)}</p>
  if (!settings) return null
  const toggle = async (kind: string, wanted: boolean) => {
    const muted = wanted ? settings.mutedKinds.filter(k => k !== kind) : [...settings.mutedKinds, kind]
    try {
      setSettings(await context.api.call('put', '/api/notifications/settings', { body: { mutedKinds: muted } }))
    } catch (error) {
      setFailure(error)
    }
  }
  return (
    <fieldset className="notify-settings">
      <legend>{t('notify.settings.help')}</legend>
      {settings.kinds.map(kind => (
        <label key={kind}>
          <input type="checkbox" checked={!settings.mutedKinds.includes(kind)} onChange={event => void toggle(kind, event.target.checked)} />
          {' '}{t(`notify.kind.${kind}`)}
        </label>
      ))}
    </fieldset>
  )
}
