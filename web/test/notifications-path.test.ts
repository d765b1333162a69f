// Where a notification leads: project notifications open the project at the item they name.
import { expect, it } from 'vitest'
import { notificationPath } from '../src/app/notifications/NotificationBell'

const base = { id: 1, kind: 'assignment', title: 'Apollo', spaceId: null, actor: 'a', actorName: 'Ana', snippet: '', createdAt: '2026-12-08T00:00:00Z', read: false }
const project = 'project-0123456789abcdef0123456789abcdef'

it('a project notification opens the project at its item, or the project when it names none', () => {
  expect(notificationPath({ ...base, resourceId: project, resourceKind: 'document', anchor: 'item-1' })).toBe(`/project/${project}/item/item-1`)
  expect(notificationPath({ ...base, kind: 'share', resourceId: project, resourceKind: 'document', anchor: null })).toBe(`/project/${project}`)
})

it('an objective notification opens the objective page', () => {
  const objective = 'objective-0123456789abcdef0123456789abcdef'
  expect(notificationPath({ ...base, kind: 'mention', resourceId: objective, resourceKind: 'document', anchor: null })).toBe(`/okr/objective/${objective}`)
})

it('pages, spaces and documents keep their routes', () => {
  expect(notificationPath({ ...base, kind: 'mention', resourceId: 'sp1', resourceKind: 'space', anchor: null })).not.toContain('/project/')
  expect(notificationPath({ ...base, kind: 'mention', resourceId: 'doc-1', resourceKind: 'document', anchor: 't1' })).not.toContain('/project/')
})
