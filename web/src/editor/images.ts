// Images as attachments: files pasted, dropped or picked are uploaded to the document's attachment store and
// inserted as image nodes whose src is the attachment URL. Attachment URLs need the bearer token, which an
// <img src> cannot send, so the node view downloads them through the API and shows a blob URL.
import { Extension, type Editor } from '@tiptap/core'
import Image from '@tiptap/extension-image'
import { Plugin, PluginKey } from '@tiptap/pm/state'
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

function isAttachmentUrl(src: string): boolean {
  try {
    const url = new URL(src, location.href)
    return url.origin === location.origin && url.pathname.startsWith('/api/attachments/')
  } catch {
    return false
  }
}

export function attachmentImage(cache: ImageCache) {
  return Image.configure({ allowBase64: false, inline: false }).extend({
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

export function imageUploader(kb: KnowledgeBaseApi, report: (error: unknown) => void, refuse: () => void): ImageUploader {
  return {
    async insert(editor, files, pos) {
      const images = files.filter(file => imageTypes.includes(file.type))
      if (images.length < files.length) refuse()
      for (const file of images) {
        try {
          const { url } = await kb.uploadAttachment(file)
          if (editor.isDestroyed || !editor.isEditable) return
          // After the selection, never over it: a just-inserted image is selected, and a second upload
          // finishing later must not replace it.
          const at = pos ?? editor.state.selection.to
          editor.chain().insertContentAt(at, { type: 'image', attrs: { src: url, alt: file.name } }).run()
        } catch (error) {
          report(error)
        }
      }
    },
  }
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
