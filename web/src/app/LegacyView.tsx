// Parts of the app still built as plain DOM (src/app/*.ts views) shown inside React: `make` builds the view when
// one of `deps` changes, and its `dispose` runs when it is replaced or unmounted.
import { useLayoutEffect, useRef, type DependencyList } from 'react'
import { flushSync } from 'react-dom'

export interface DomView { element: Node; dispose?: () => void }

export function LegacyView({ make, deps }: { make: () => DomView | null; deps: DependencyList }) {
  const host = useRef<HTMLDivElement>(null)
  useLayoutEffect(() => {
    const view = make()
    host.current?.replaceChildren(...(view ? [view.element] : []))
    return () => view?.dispose?.()
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, deps)
  return <div ref={host} className="mount" />
}

/**
 * Subscribes a React state update to a DOM module's event (the sidebar's tree) so that React's part of the page is
 * updated in the same task as the module's own DOM: a title never lags behind the tree it comes from. While
 * subscribing (inside an effect, where React is already committing) the first call is an ordinary update.
 */
export function subscribeInStep<T>(subscribe: (listener: (value: T) => void) => () => void, listener: (value: T) => void): () => void {
  let subscribing = true
  const stop = subscribe(value => { if (subscribing) listener(value); else flushSync(() => listener(value)) })
  subscribing = false
  return stop
}
