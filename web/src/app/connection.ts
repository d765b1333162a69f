// The signed-in user's one hub connection, shared by the sidebar (tree watches) and the open page.
import { CollabConnection } from '../provider'
import { accessToken, forgetEndedSession, type SignedIn } from './session'

let connection: { username: string; value: CollabConnection } | null = null

export function ensureConnection(user: SignedIn): CollabConnection {
  if (connection?.username !== user.username) {
    void connection?.value.stop()
    const protocol = new URLSearchParams(location.search).get('protocol') === 'json' ? 'json' : 'messagepack'
    // Asked on every (re)connect: a token refreshed since (or refreshed now, when about to expire) is used.
    const value = new CollabConnection({ serverUrl: '', accessTokenFactory: async () => (await accessToken()) ?? user.token, protocol })
    // A session ended on the server: the open page shows it was revoked, and the connection stops instead of
    // reconnecting with tokens that can never work again.
    value.hub.on('Revoked', (_docId: string, reason: string | null) => {
      if (reason !== 'signed-out') return
      forgetEndedSession()
      if (connection?.value === value) connection = null
      void value.stop()
    })
    void value.start()
    connection = { username: user.username, value }
  }
  return connection.value
}

export function stopConnection(): void {
  void connection?.value.stop()
  connection = null
}
