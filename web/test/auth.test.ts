// Token refresh against the real server: rotation, reuse ending the session, 401 retry, hub reconnect after expiry.
import { afterEach, expect, it } from 'vitest'
import { Api, ApiError, RefreshingSession, type StoredTokens, type TokenStore } from '../src/api'
import { CollabConnection } from '../src/provider'
import { createUser, serverUrl } from './harness'

const connections: CollabConnection[] = []
afterEach(async () => { await Promise.all(connections.splice(0).map(c => c.stop())) })

function memoryStore(initial: StoredTokens | null): TokenStore & { saves: number } {
  let value = initial
  return {
    saves: 0,
    load() { return value },
    save(tokens) { value = tokens; this.saves++ },
  }
}

async function signedIn(prefix: string) {
  const user = await createUser(prefix)
  const api = new Api(serverUrl())
  const pair = await api.signIn(user.username, user.password)
  return { user, api, pair }
}

it('login answers both tokens; refreshing rotates them, and a rotated refresh token coming back ends the session', async () => {
  const { user, api, pair } = await signedIn('rotate')
  expect(pair.token).toBe(pair.accessToken)
  expect(pair.expiresIn).toBe(15 * 60)
  const store = memoryStore({ accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() + pair.expiresIn * 1000 })
  // A margin longer than the lifetime: every token counts as about to expire, so every call refreshes.
  const session = new RefreshingSession(api, store, (pair.expiresIn + 60) * 1000)

  const refreshed = await session.current()
  expect(refreshed).not.toBe(pair.accessToken)
  expect(store.load()?.refreshToken).not.toBe(pair.refreshToken)
  expect((await api.withToken(session).me()).username).toBe(user.username)

  // The first refresh token was rotated away: presenting it again is reuse, and the whole session ends.
  await expect(api.refresh(pair.refreshToken)).rejects.toSatisfy(e => e instanceof ApiError && e.status === 401)
  expect(await session.current()).toBeNull()
  expect(store.load()).toBeNull()
})

it('concurrent callers share one refresh (two refreshes with one token would look like reuse)', async () => {
  const { api, pair } = await signedIn('share')
  const store = memoryStore({ accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() - 1 })
  const session = new RefreshingSession(api, store)

  const tokens = await Promise.all(Array.from({ length: 5 }, () => session.current()))

  expect(new Set(tokens).size).toBe(1)
  expect(tokens[0]).not.toBe(pair.accessToken)
  expect(store.saves).toBe(1)
  expect(await session.current()).toBe(tokens[0])
})

it('a request answered 401 refreshes once and is sent again', async () => {
  const { user, api, pair } = await signedIn('retry')
  // The stored access token looks fresh but the server refuses it (as after a revocation of the token alone).
  const store = memoryStore({ accessToken: 'not.a.token', refreshToken: pair.refreshToken, expiresAt: Date.now() + 600_000 })
  const session = new RefreshingSession(api, store)

  expect((await api.withToken(session).me()).username).toBe(user.username)
  expect(store.load()?.accessToken).not.toBe('not.a.token')
  expect(store.saves).toBe(1)

  // With the session gone, the 401 stands.
  await api.logout(store.load()!.refreshToken!)
  store.save({ ...store.load()!, accessToken: 'not.a.token' })
  await expect(api.withToken(session).me()).rejects.toSatisfy(e => e instanceof ApiError && e.status === 401)
  expect(store.load()).toBeNull()
})

it('the hub connects with a freshly refreshed token when the stored one has expired', async () => {
  const { api, pair } = await signedIn('hub')
  const docId = await api.withToken(pair.accessToken).createDocument('refresh')
  // Expired by the client's clock: accessTokenFactory must not hand it out.
  const store = memoryStore({ accessToken: pair.accessToken, refreshToken: pair.refreshToken, expiresAt: Date.now() - 1 })
  const session = new RefreshingSession(api, store)
  const handedOut: string[] = []
  const connection = new CollabConnection({
    serverUrl: serverUrl(),
    accessTokenFactory: async () => {
      const token = (await session.current()) ?? ''
      handedOut.push(token)
      return token
    },
    backoff: { initialMs: 100, maxMs: 500 },
  })
  connections.push(connection)

  await connection.start()
  const opened = connection.openDocument(docId)
  await opened.whenSynced()

  expect(opened.role).toBe('owner')
  expect(handedOut[0]).not.toBe(pair.accessToken)
  expect(handedOut[0]).toBe(store.load()?.accessToken)
})
