// Modal dialogs and toasts as React components. One `DialogProvider` at the root renders whatever is open; components
// ask through `useDialogs()`, and code outside a component (a dialog opened from a dialog's callback, an action
// helper) through the same store with `showDialog` / `askText` / `askConfirm` / `showToast`. Every dialog is a native
// modal `<dialog>` (focus kept inside, Escape closes, focus returns).
import { createContext, useContext, useId, useLayoutEffect, useRef, useState, useSyncExternalStore, type FormEvent, type ReactNode } from 'react'
import { createPortal } from 'react-dom'
import { useTranslation } from 'react-i18next'

export type ToastKind = 'good' | 'bad'

export interface DialogOptions {
  title: string
  /** The dialog's content; `close` ends the dialog (its `onClose` runs once, however it was closed). */
  render: (close: () => void) => ReactNode
  wide?: boolean
  testId?: string
  onClose?: () => void
}

interface OpenDialog extends DialogOptions { id: number }
interface Toast { id: number; text: string; kind: ToastKind }
interface Overlays { dialogs: readonly OpenDialog[]; toasts: readonly Toast[] }

const toastMs = 4000
let state: Overlays = { dialogs: [], toasts: [] }
let nextId = 1
const listeners = new Set<() => void>()

function update(next: Overlays): void {
  state = next
  for (const listener of listeners) listener()
}

function subscribe(listener: () => void): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}

/** Opens a modal dialog; answers its `close`. */
export function showDialog(options: DialogOptions): () => void {
  const id = nextId++
  update({ ...state, dialogs: [...state.dialogs, { ...options, id }] })
  return () => closeDialog(id)
}

function closeDialog(id: number): void {
  const closing = state.dialogs.find(dialog => dialog.id === id)
  if (!closing) return
  update({ ...state, dialogs: state.dialogs.filter(dialog => dialog.id !== id) })
  closing.onClose?.()
}

/** A short-lived message at the bottom of the window. */
export function showToast(text: string, kind: ToastKind = 'good'): void {
  const id = nextId++
  update({ ...state, toasts: [...state.toasts, { id, text, kind }] })
  setTimeout(() => update({ ...state, toasts: state.toasts.filter(toast => toast.id !== id) }), toastMs)
}

/** Asks for one line of text; resolves null when cancelled. */
export function askText(title: string, label: string, initial = ''): Promise<string | null> {
  return new Promise(resolve => {
    let answer: string | null = null
    showDialog({
      title,
      onClose: () => resolve(answer),
      render: close => <PromptForm label={label} initial={initial} onCancel={close} onAnswer={value => { answer = value; close() }} />,
    })
  })
}

/** A yes/no question; resolves true when confirmed. */
export function askConfirm(title: string, body: ReactNode, confirmLabel: string): Promise<boolean> {
  return new Promise(resolve => {
    let answer = false
    showDialog({
      title,
      onClose: () => resolve(answer),
      render: close => <ConfirmBody body={body} confirmLabel={confirmLabel} onCancel={close} onConfirm={() => { answer = true; close() }} />,
    })
  })
}

export interface Dialogs {
  open: typeof showDialog
  prompt: typeof askText
  confirm: typeof askConfirm
  toast: typeof showToast
}

const dialogs: Dialogs = { open: showDialog, prompt: askText, confirm: askConfirm, toast: showToast }
const DialogsContext = createContext<Dialogs | null>(null)

/** Dialogs and toasts for a component under `DialogProvider`. */
export function useDialogs(): Dialogs {
  const value = useContext(DialogsContext)
  if (!value) throw new Error('useDialogs() needs a <DialogProvider> above it')
  return value
}

/** Renders the open dialogs and toasts (into `<body>`, above everything) and gives `useDialogs()` to `children`. */
export function DialogProvider({ children }: { children: ReactNode }) {
  const overlays = useSyncExternalStore(subscribe, () => state)
  return (
    <DialogsContext.Provider value={dialogs}>
      {children}
      {overlays.dialogs.map(dialog => <ModalDialog key={dialog.id} dialog={dialog} />)}
      {createPortal(
        <div className="toasts" aria-live="polite">
          {overlays.toasts.map(toast => <div key={toast.id} className={`toast ${toast.kind}`} role="status">{toast.text}</div>)}
        </div>,
        document.body)}
    </DialogsContext.Provider>
  )
}

function ModalDialog({ dialog }: { dialog: OpenDialog }) {
  const { t } = useTranslation()
  const element = useRef<HTMLDialogElement>(null)
  const titleId = useId()
  const close = () => closeDialog(dialog.id)
  useLayoutEffect(() => {
    const modal = element.current
    if (!modal) return
    if (!modal.open) modal.showModal()
    focusInitial(modal)
    return () => { if (modal.open) modal.close() }
  }, [])
  return createPortal(
    // Escape (and any other native close) ends the dialog like the × button.
    <dialog ref={element} className={dialog.wide ? 'panel wide' : 'panel'} data-testid={dialog.testId} aria-labelledby={titleId} onClose={close}>
      <header className="panel-header">
        <h2 id={titleId}>{dialog.title}</h2>
        <button type="button" className="icon" aria-label={t('app.close')} title={t('app.close')} onClick={close}>×</button>
      </header>
      <div className="panel-body">{dialog.render(close)}</div>
    </dialog>,
    document.body)
}

/** The control a dialog starts on: the one marked `data-autofocus`, else its first field (text selected). */
function focusInitial(modal: HTMLDialogElement): void {
  const target = modal.querySelector<HTMLElement>('[data-autofocus]')
    ?? modal.querySelector<HTMLElement>('.panel-body :is(input:not([type=hidden]), select, textarea)')
  if (!target) return
  target.focus()
  if (target instanceof HTMLInputElement) target.select()
}

function PromptForm({ label, initial, onAnswer, onCancel }: { label: string; initial: string; onAnswer: (value: string) => void; onCancel: () => void }) {
  const { t } = useTranslation()
  const [value, setValue] = useState(initial)
  const submit = (event: FormEvent) => {
    event.preventDefault()
    const answer = value.trim()
    if (answer) onAnswer(answer)
  }
  return (
    <form className="stack" onSubmit={submit}>
      <label>{label}<input name="value" value={value} onChange={event => setValue(event.target.value)} required maxLength={200} autoComplete="off" /></label>
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>{t('app.cancel')}</button>
        <button type="submit">{t('app.ok')}</button>
      </div>
    </form>
  )
}

function ConfirmBody({ body, confirmLabel, onConfirm, onCancel }: { body: ReactNode; confirmLabel: string; onConfirm: () => void; onCancel: () => void }) {
  const { t } = useTranslation()
  return (
    <div className="stack">
      {typeof body === 'string' ? <p>{body}</p> : body}
      <div className="actions">
        <button type="button" className="secondary" onClick={onCancel}>{t('app.cancel')}</button>
        <button type="button" className="danger" data-autofocus onClick={onConfirm}>{confirmLabel}</button>
      </div>
    </div>
  )
}
