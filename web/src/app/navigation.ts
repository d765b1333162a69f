// URLs the router gets from outside React: old `#/…` addresses, and same-origin links in content built as plain DOM
// (the editor's).

/**
 * The app's URLs were `#/…` before it had a router; bookmarks and share links sent then (`/#/link/<token>`) still
 * carry them. Answers the real path such a hash stands for, or null.
 */
export function pathOfLegacyHash(hash: string): string | null {
  if (!hash.startsWith('#/')) return null
  // A share link's token stays in the fragment (see LinkRoute).
  const link = /^#\/link\/(.+)$/.exec(hash)
  return link ? `/link#${link[1]}` : hash.slice(1)
}

/** A click on a same-origin `<a href="/…">` built outside React, to be handled by the router (null otherwise). */
export function routedHref(event: MouseEvent): string | null {
  if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return null
  const anchor = (event.target as Element | null)?.closest?.('a[href]')
  if (!(anchor instanceof HTMLAnchorElement) || anchor.hasAttribute('download')) return null
  if (anchor.target && anchor.target !== '_self') return null
  const href = anchor.getAttribute('href') ?? ''
  if (!href.startsWith('/') || href.startsWith('//')) return null
  const url = new URL(href, location.href)
  if (url.origin !== location.origin || /^\/(api|hubs)(\/|$)/.test(url.pathname)) return null
  return url.pathname + url.search + url.hash
}
