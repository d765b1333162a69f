// The provider against the real server: real yjs documents, real SignalR connections.
import { afterEach, describe, expect, it } from 'vitest'
import * as Y from 'yjs'
import { closeAllConnections, connectAs, createUser, Link, serverUrl, textOf, waitFor } from './harness'
import type { DocumentSession, RejectionCode } from '../src/provider'

afterEach(closeAllConnections)

async function openSynced(session: DocumentSession): Promise<DocumentSession> {
  await session.whenSynced()
  return session
}

describe('provider against the server', () => {
  it('two clients co-edit one document and converge', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const docId = await alice.api.createDocument('co-edit')
    await alice.api.setMember(docId, bob.username, 'editor')

    const a = connectAs(alice)
    const b = connectAs(bob)
    await Promise.all([a.start(), b.start()])
    const sa = await openSynced(a.openDocument(docId))
    const sb = await openSynced(b.openDocument(docId))
    expect(sa.role).toBe('owner')
    expect(sb.role).toBe('editor')

    // Concurrent edits on both sides, text and rich-text fragment.
    sa.doc.getText('text').insert(0, 'Hello from Alice. ')
    sb.doc.getText('text').insert(0, 'Hello from Bob. ')
    const paragraph = new Y.XmlElement('paragraph')
    paragraph.insert(0, [new Y.XmlText('rich')])
    sa.doc.getXmlFragment('default').insert(0, [paragraph])
    for (let i = 0; i < 20; i++) {
      sa.doc.getText('text').insert(textOf(sa.doc).length, `a${i}`)
      sb.doc.getText('text').insert(0, `b${i}`)
    }

    await waitFor('both texts equal', () => textOf(sa.doc) === textOf(sb.doc) && textOf(sa.doc).includes('a19') && textOf(sa.doc).includes('b19'))
    expect(sb.doc.getXmlFragment('default').toString()).toBe('<paragraph>rich</paragraph>')
    expect(Y.encodeStateVector(sa.doc)).toEqual(Y.encodeStateVector(sb.doc))
    await Promise.all([sa.whenSaved(), sb.whenSaved()])
    expect(sa.savedState).toEqual({ saved: true, pending: 0, unsent: false })

    // What the server stored is what a late joiner receives.
    const c = connectAs(alice)
    await c.start()
    const sc = await openSynced(c.openDocument(docId))
    expect(textOf(sc.doc)).toBe(textOf(sa.doc))
  })

  it('carries many documents on one connection without mixing them up', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const ids = await Promise.all(Array.from({ length: 6 }, (_, i) => alice.api.createDocument(`multi ${i}`)))
    for (const id of ids) await alice.api.setMember(id, bob.username, 'editor')

    const a = connectAs(alice)
    const b = connectAs(bob)
    await Promise.all([a.start(), b.start()])
    const mine = await Promise.all(ids.map(id => openSynced(a.openDocument(id))))
    const theirs = await Promise.all(ids.map(id => openSynced(b.openDocument(id))))
    mine.forEach((s, i) => s.doc.getText('text').insert(0, `doc ${i} by alice;`))
    theirs.forEach((s, i) => s.doc.getText('text').insert(0, `doc ${i} by bob;`))

    await waitFor('every document converged', () => mine.every((s, i) => textOf(s.doc) === textOf(theirs[i].doc) && textOf(s.doc).length > 20))
    mine.forEach((s, i) => {
      const text = textOf(s.doc)
      expect(text).toContain(`doc ${i} by alice;`)
      expect(text).toContain(`doc ${i} by bob;`)
      expect(text.match(/doc \d+/g)!.every(m => m === `doc ${i}`)).toBe(true)
    })

    // Leaving one document leaves the others working.
    await mine[0].leave()
    theirs[1].doc.getText('text').insert(0, 'after leave;')
    await waitFor('doc 1 still syncs', () => textOf(mine[1].doc).startsWith('after leave;'))
    expect(a.openDocuments.size).toBe(ids.length - 1)
  })

  it('delivers edits made offline after the connection comes back', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const docId = await alice.api.createDocument('offline')
    await alice.api.setMember(docId, bob.username, 'editor')
    const link = await Link.open(serverUrl())
    try {
      const a = connectAs(alice, { url: link.url })
      const b = connectAs(bob)
      await Promise.all([a.start(), b.start()])
      const sa = await openSynced(a.openDocument(docId))
      const sb = await openSynced(b.openDocument(docId))
      sa.doc.getText('text').insert(0, 'online;')
      await waitFor('first edit arrives', () => textOf(sb.doc) === 'online;')

      link.setOnline(false)
      await waitFor('alice notices the outage', () => sa.status === 'reconnecting')
      sa.doc.getText('text').insert(textOf(sa.doc).length, 'offline-a;')
      sb.doc.getText('text').insert(0, 'meanwhile-b;')
      expect(sa.savedState.saved).toBe(false)
      expect(sa.savedState.unsent).toBe(true)
      await new Promise(r => setTimeout(r, 800)) // let a few reconnect attempts fail
      expect(textOf(sb.doc)).not.toContain('offline-a;')

      link.setOnline(true)
      await waitFor('alice reconnected and resynced', () => sa.status === 'connected' && sa.synced, 15_000)
      await waitFor('both sides converge', () => textOf(sa.doc) === textOf(sb.doc) && textOf(sb.doc).includes('offline-a;') && textOf(sa.doc).includes('meanwhile-b;'))
      await sa.whenSaved()
      expect(sa.savedState).toEqual({ saved: true, pending: 0, unsent: false })
    } finally {
      await link.close()
    }
  })

  it('keeps trying to connect while the server is unreachable, and syncs once it is', async () => {
    const alice = await createUser('alice')
    const docId = await alice.api.createDocument('late start')
    const link = await Link.open(serverUrl())
    try {
      link.setOnline(false)
      const a = connectAs(alice, { url: link.url })
      const statuses: string[] = []
      a.on('status', ({ status }) => statuses.push(status))
      const started = a.start()
      const sa = a.openDocument(docId)
      sa.doc.getText('text').insert(0, 'typed before ever connecting;')
      await new Promise(r => setTimeout(r, 1000))
      expect(a.status).toBe('connecting')
      expect(sa.savedState.saved).toBe(false)

      link.setOnline(true)
      await started
      await sa.whenSynced()
      await sa.whenSaved()
      expect(statuses).toEqual(['connecting', 'connected'])

      const b = connectAs(alice)
      await b.start()
      const sb = await openSynced(b.openDocument(docId))
      expect(textOf(sb.doc)).toBe('typed before ever connecting;')
    } finally {
      await link.close()
    }
  })

  it('rejects edits from a viewer as read-only and keeps them out of the document', async () => {
    const alice = await createUser('alice')
    const victor = await createUser('victor')
    const docId = await alice.api.createDocument('read only')
    await alice.api.setMember(docId, victor.username, 'viewer')

    const a = connectAs(alice)
    const v = connectAs(victor)
    await Promise.all([a.start(), v.start()])
    const sa = await openSynced(a.openDocument(docId))
    sa.doc.getText('text').insert(0, 'owner text')
    const sv = await openSynced(v.openDocument(docId))
    expect(sv.role).toBe('viewer')
    await waitFor('viewer sees owner text', () => textOf(sv.doc) === 'owner text')

    const rejections: RejectionCode[] = []
    sv.on('rejected', ({ code }) => rejections.push(code))
    sv.doc.getText('text').insert(0, 'viewer scribble ')
    await waitFor('a read-only rejection', () => rejections.length > 0)
    expect(rejections).toContain('read-only')
    // The refused change is not durable, and the session says so.
    await waitFor('send settled', () => sv.savedState.pending === 0)
    expect(sv.savedState).toEqual({ saved: false, pending: 0, unsent: true })

    // Owner's further edits still reach the viewer; the scribble never reaches anyone.
    sa.doc.getText('text').insert(textOf(sa.doc).length, '!')
    await waitFor('viewer sees owner edit', () => textOf(sv.doc).endsWith('owner text!'))
    expect(textOf(sa.doc)).toBe('owner text!')
  })

  it('relays awareness with the user the server wrote into the state', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const docId = await alice.api.createDocument('awareness')
    await alice.api.setMember(docId, bob.username, 'commenter')

    const a = connectAs(alice)
    const b = connectAs(bob)
    await Promise.all([a.start(), b.start()])
    const sa = await openSynced(a.openDocument(docId))
    const sb = await openSynced(b.openDocument(docId))
    // Bob claims to be someone else; the server replaces `user` with his account.
    sb.awareness.setLocalState({ user: { id: 'x', name: 'Mallory' }, cursor: { anchor: 3 } })

    const bobsState = () => sa.awareness.getStates().get(sb.doc.clientID) as { user?: { id?: unknown; name?: string }; cursor?: unknown } | undefined
    await waitFor("bob's awareness at alice", () => bobsState()?.cursor !== undefined)
    expect(bobsState()!.cursor).toEqual({ anchor: 3 })
    expect(bobsState()!.user?.name).not.toBe('Mallory')
    expect(String(bobsState()!.user?.id)).not.toBe('x')
    expect(JSON.stringify(bobsState()!.user)).toContain(bob.username)

    // Leaving withdraws the state for the others.
    await sb.leave()
    await waitFor("bob's awareness removed at alice", () => bobsState() === undefined)
  })

  it('treats a rate-limited rejection as awareness, not as unsaved content', async () => {
    const alice = await createUser('alice')
    const docId = await alice.api.createDocument('rate')
    const a = connectAs(alice)
    await a.start()
    const sa = await openSynced(a.openDocument(docId))
    sa.doc.getText('text').insert(0, 'content')
    await sa.whenSaved()

    const rejections: RejectionCode[] = []
    sa.on('rejected', ({ code }) => rejections.push(code))
    for (let i = 0; i < 120; i++) sa.awareness.setLocalStateField('cursor', { anchor: i })
    await waitFor('a rate-limited rejection', () => rejections.includes('rate-limited'))
    await waitFor('sends settled', () => sa.savedState.pending === 0)
    expect(new Set(rejections)).toEqual(new Set(['rate-limited']))
    expect(sa.savedState).toEqual({ saved: true, pending: 0, unsent: false })
  })

  it('revokes a live session when the member is removed, and refuses outsiders', async () => {
    const alice = await createUser('alice')
    const eve = await createUser('eve')
    const docId = await alice.api.createDocument('revoke')
    await alice.api.setMember(docId, eve.username, 'editor')

    const a = connectAs(alice)
    const e = connectAs(eve)
    await Promise.all([a.start(), e.start()])
    const sa = await openSynced(a.openDocument(docId))
    const se = await openSynced(e.openDocument(docId))
    se.doc.getText('text').insert(0, 'while member;')
    await waitFor('member edit arrives', () => textOf(sa.doc) === 'while member;')

    const revoked: string[] = []
    se.on('revoked', ({ reason }) => revoked.push(reason))
    await alice.api.removeMember(docId, eve.username)
    await waitFor('revoked event', () => revoked.length === 1)
    expect(se.revokedReason).not.toBeNull()
    expect(se.status).toBe('disconnected')

    se.doc.getText('text').insert(0, 'after removal;')
    sa.doc.getText('text').insert(textOf(sa.doc).length, 'owner;')
    await new Promise(r => setTimeout(r, 500))
    expect(textOf(sa.doc)).toBe('while member;owner;')
    expect(textOf(se.doc)).not.toContain('owner;')

    // Joining again, or a document never shared, is refused with `forbidden`.
    const e2 = connectAs(eve)
    await e2.start()
    const again = e2.openDocument(docId)
    await waitFor('join refused', () => again.refused !== null)
    expect(again.refused!.reason).toBe('forbidden')
  })

  it('hands a comments notice to the open document\'s session, once', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const docId = await alice.api.createDocument('notices')
    await alice.api.setMember(docId, bob.username, 'commenter')
    const a = connectAs(alice)
    await a.start()
    const sa = await openSynced(a.openDocument(docId))
    const notices: { kind: string; payload: string }[] = []
    sa.on('notice', notice => notices.push(notice))
    sa.doc.getText('text').insert(0, 'comment on me')
    await sa.whenSaved()

    const anchor = Buffer.from(Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(sa.doc.getText('text'), 0))).toString('base64')
    const response = await fetch(`${serverUrl()}/api/docs/${docId}/comments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${bob.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ anchor: { start: anchor, end: anchor }, quote: 'comment', text: 'A question' }),
    })
    expect(response.status).toBe(201)
    await waitFor('the comments notice', () => notices.length > 0)
    // The server also sends CommentsChanged for older clients, right after the Notice; the answer to a later Send
    // comes after both on this connection. This client acts on the Notice alone.
    sa.doc.getText('text').insert(0, 'later ')
    await sa.whenSaved()
    expect(notices).toEqual([{ kind: 'comments', payload: '' }])
  })

  it('works on the JSON hub protocol too', async () => {
    const alice = await createUser('alice')
    const bob = await createUser('bob')
    const docId = await alice.api.createDocument('json')
    await alice.api.setMember(docId, bob.username, 'editor')
    const a = connectAs(alice, { protocol: 'json' })
    const b = connectAs(bob, { protocol: 'messagepack' })
    await Promise.all([a.start(), b.start()])
    const sa = await openSynced(a.openDocument(docId))
    const sb = await openSynced(b.openDocument(docId))
    sa.doc.getText('text').insert(0, 'json→')
    sb.doc.getText('text').insert(0, 'msgpack→')
    await waitFor('converged across protocols', () => textOf(sa.doc) === textOf(sb.doc) && textOf(sa.doc).length === 'json→msgpack→'.length)
    await sa.whenSaved()
  })
})
