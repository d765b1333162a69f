// The server has no "my documents" listing, so each browser remembers the documents its user created or opened.
const keyFor = (username: string) => `spotter.collab.recent.${username}`
const limit = 50

export function recentDocuments(username: string): string[] {
  try {
    const parsed: unknown = JSON.parse(localStorage.getItem(keyFor(username)) ?? '[]')
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : []
  } catch {
    return []
  }
}

export function rememberDocument(username: string, docId: string): void {
  const ids = [docId, ...recentDocuments(username).filter(id => id !== docId)].slice(0, limit)
  localStorage.setItem(keyFor(username), JSON.stringify(ids))
}

export function forgetDocument(username: string, docId: string): void {
  localStorage.setItem(keyFor(username), JSON.stringify(recentDocuments(username).filter(id => id !== docId)))
}
