// Images as attachments: files pasted, dropped or picked are uploaded to the document's attachment store and
// inserted as image nodes whose src is the attachment URL. Attachment URLs need the bearer token, which an
// <img src> cannot send, so the node view downloads them through the API and shows a blob URL.
import { Extension, type Editor } from '@tiptap/core'
import Image from '@tiptap/extension-image'
import { Plugin, PluginKey } from '@tiptap/pm/state'
import { ApiError } from '../api'
import type { KnowledgeBaseApi } from './kbApi'

export const imageTypes = ['image/png', 'image/jpeg', 'image/gif', 'image/webp']

/** Downloads each protected image once per page; blob URLs are released on dispose. */
export class ImageCache {
  private readonly urls = new Map<string, Promise<string>>()

  constructor(private readonly kb: KnowledgeBaseApi) {}

  resolve(src: string): Promise<string> {
    if (!isAttachmentUrl(src)) return Promise.resolve(src)
    let url = this.urls.get(src)
    if (!url) {
      url = this.kb.downloadAttachment(src).then(blob => URL.createObjectURL(blob))
      url.catch(() => this.urls.delete(src))
      this.urls.set(src, url)
    }
    return url
  }

  dispose(): void {
    for (const url of this.urls.values()) url.then(u => URL.revokeObjectURL(u), () => {})
    this.urls.clear()
  }
}

/** Whether the deployment lets images from other sites into pages; learned from the document's description. */
export interface ImagePolicy {
  allowExternal: boolean
}

/** An image whose src is on another site: every reader's browser would fetch it, telling that site who read the page. */
export function isExternalImage(src: string): boolean {
  try {
    const url = new URL(src, location.href)
    return url.origin !== location.origin && url.protocol !== 'blob:'
  } catch {
    return true
  }
}

function isAttachmentUrl(src: string): boolean {
  try {
    const url = new URL(src, location.href)
    return url.origin === location.origin && url.pathname.startsWith('/api/attachments/')
  } catch {
    return false
  }
}

/**
 * The image node: attachments are shown through the cache; an image from another site is not inserted (pasted HTML
 * drops it, setImage refuses it, `refuseExternal` says why) and, where one is already in the page, not loaded, unless
 * the policy allows such images.
 */
export function attachmentImage(cache: ImageCache, policy: ImagePolicy, refuseExternal: () => void) {
  const blocked = (src: string | null | undefined) => !policy.allowExternal && isExternalImage(src ?? '')
  return Image.configure({ allowBase64: false, inline: false }).extend({
    parseHTML() {
      return [{
        tag: 'img[src]:not([src^="data:"])',
        getAttrs: element => {
          if (!blocked((element as HTMLElement).getAttribute('src'))) return null
          refuseExternal()
          return false
        },
      }]
    },
    addCommands() {
      return {
        setImage: options => ({ commands }) => {
          if (blocked(options.src)) {
            refuseExternal()
            return false
          }
          return commands.insertContent({ type: this.name, attrs: options })
        },
      }
    },
    addNodeView() {
      return ({ node }) => {
        const dom = document.createElement('img')
        dom.className = 'attachment-image'
        let shown = ''
        const show = (attrs: Record<string, unknown>) => {
          const src = String(attrs.src ?? '')
          dom.alt = String(attrs.alt ?? '')
          if (attrs.title) dom.title = String(attrs.title)
          if (src === shown) return
          shown = src
          dom.dataset.src = src
          dom.removeAttribute('src')
          if (blocked(src)) {
            dom.dataset.state = 'blocked'
            return
          }
          dom.dataset.state = 'loading'
          cache.resolve(src).then(
            url => { if (shown === src) { dom.src = url; dom.dataset.state = 'loaded' } },
            () => { if (shown === src) dom.dataset.state = 'failed' },
          )
        }
        show(node.attrs)
        return {
          dom,
          update(updated) {
            if (updated.type !== node.type) return false
            show(updated.attrs)
            return true
          },
        }
      }
    },
  })
}

export interface ImageUploader {
  /** Uploads the image files and inserts them at `pos` (the selection when omitted). */
  insert(editor: Editor, files: File[], pos?: number): Promise<void>
}

/** Why a file was not added: the translation key of the notice and its parameters. */
export interface UploadRefusal {
  key: 'editor.notice.notImage' | 'editor.notice.imageTooLarge' | 'editor.notice.imageTooLargeServer' | 'editor.notice.uploadFailed'
  params: Record<string, string>
}

/** 10485760 → "10 MB", 1536 → "1.5 KB": for the size notices. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KB', 'MB', 'GB']
  let value = bytes
  let unit = 0
  while (value >= 1024 && unit < units.length - 1) { value /= 1024; unit++ }
  const shown = unit === 0 ? String(value) : value.toFixed(value < 10 ? 1 : 0).replace(/\.0$/, '')
  return `${shown} ${units[unit]}`
}

/**
 * Checks each file's type and size before sending it (the server's limit comes from the document's description),
 * so a wrong or too large file is refused at once with a notice saying why; a 413 or 415 from the server (a limit
 * not known in time, bytes that are not what the name claims) gets the same notices.
 */
export function imageUploader(kb: KnowledgeBaseApi, refuse: (refusal: UploadRefusal) => void): ImageUploader {
  return {
    async insert(editor, files, pos) {
      for (const file of files) {
        const name = file.name || '?'
        if (!imageTypes.includes(file.type)) {
          refuse({ key: 'editor.notice.notImage', params: { name } })
          continue
        }
        const max = await kb.maxAttachmentBytes()
        if (max !== null && file.size > max) {
          refuse({ key: 'editor.notice.imageTooLarge', params: { name, size: formatBytes(file.size), max: formatBytes(max) } })
          continue
        }
        try {
          const { url } = await kb.uploadAttachment(file)
          if (editor.isDestroyed || !editor.isEditable) return
          // After the selection, never over it: a just-inserted image is selected, and a second upload
          // finishing later must not replace it.
          const at = pos ?? editor.state.selection.to
          editor.chain().insertContentAt(at, { type: 'image', attrs: { src: url, alt: file.name } }).run()
        } catch (error) {
          refuse(uploadRefusal(error, name, file.size, max))
        }
      }
    },
  }
}

function uploadRefusal(error: unknown, name: string, size: number, max: number | null): UploadRefusal {
  if (error instanceof ApiError && error.status === 413) {
    return max !== null && size > max
      ? { key: 'editor.notice.imageTooLarge', params: { name, size: formatBytes(size), max: formatBytes(max) } }
      : { key: 'editor.notice.imageTooLargeServer', params: { name, size: formatBytes(size) } }
  }
  if (error instanceof ApiError && error.status === 415) return { key: 'editor.notice.notImage', params: { name } }
  const reason = error instanceof ApiError ? String(error.status) : error instanceof Error ? error.message : String(error)
  return { key: 'editor.notice.uploadFailed', params: { error: reason } }
}

/** Paste and drop of image files become uploads instead of inline data. */
export function imagePasteAndDrop(uploader: ImageUploader, editor: () => Editor) {
  return Extension.create({
    name: 'imagePasteAndDrop',
    addProseMirrorPlugins() {
      return [new Plugin({
        key: new PluginKey('imagePasteAndDrop'),
        props: {
          handlePaste(view, event) {
            const files = [...(event.clipboardData?.files ?? [])]
            if (files.length === 0 || !view.editable) return false
            void uploader.insert(editor(), files)
            return true
          },
          handleDrop(view, event) {
            const files = [...(event.dataTransfer?.files ?? [])]
            if (files.length === 0 || !view.editable) return false
            const at = view.posAtCoords({ left: event.clientX, top: event.clientY })
            void uploader.insert(editor(), files, at?.pos)
            return true
          },
        },
      })]
    },
  })
}
