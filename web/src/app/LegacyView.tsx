// A part built as plain DOM shown inside React (the editor of src/editor, which owns its DOM): `make` builds the view
// when one of `deps` changes, and its `dispose` runs when it is replaced or unmounted.
import { useLayoutEffect, useRef, type DependencyList } from 'react'

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
