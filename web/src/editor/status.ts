// The always-visible connection pill: online / reconnecting / offline, and whether every change is saved.
// `data-kind` (good, busy, warn, bad) drives the colour and lets tests wait for "saved".
import { t } from '../i18n'
import type { CollabConnection, DocumentSession } from '../provider'

export interface ConnectionState {
  render(): void
  dispose(): void
}

export function connectionState(connection: CollabConnection, session: DocumentSession, pill: HTMLElement): ConnectionState {
  const render = () => {
    const saved = session.savedState
    let key: string
    let params: Record<string, number> = {}
    let kind: 'good' | 'busy' | 'warn' | 'bad'
    if (session.revokedReason !== null) {
      key = 'editor.state.revoked'; kind = 'bad'
    } else if (session.refused) {
      key = 'editor.state.noAccess'; kind = 'bad'
    } else if (!navigator.onLine) {
      // The browser knows at once; the hub connection may take its server timeout to notice.
      key = saved.saved ? 'editor.state.offline' : 'editor.state.offlineUnsaved'; kind = 'bad'
    } else if (session.status === 'connected') {
      if (!session.synced) { key = 'editor.state.syncing'; kind = 'busy' }
      else if (saved.saved) { key = 'editor.state.saved'; kind = 'good' }
      else if (saved.pending > 0) { key = 'editor.state.saving'; params = { count: saved.pending }; kind = 'busy' }
      else { key = 'editor.state.unsaved'; kind = 'warn' }
    } else if (session.status === 'reconnecting' || connection.status === 'reconnecting') {
      key = saved.unsent ? 'editor.state.reconnectingUnsaved' : 'editor.state.reconnecting'; kind = 'warn'
    } else if (session.status === 'connecting') {
      key = 'editor.state.connecting'; kind = 'busy'
    } else {
      key = 'editor.state.offline'; kind = 'bad'
    }
    pill.textContent = t(key, params)
    pill.dataset.kind = kind
    pill.dataset.state = key.slice('editor.state.'.length)
  }
  const events = ['status', 'synced', 'saved', 'revoked', 'error'] as const
  for (const event of events) session.on(event, render)
  connection.on('status', render)
  window.addEventListener('online', render)
  window.addEventListener('offline', render)
  render()
  return {
    render,
    dispose() {
      for (const event of events) session.off(event, render)
      connection.off('status', render)
      window.removeEventListener('online', render)
      window.removeEventListener('offline', render)
    },
  }
}
