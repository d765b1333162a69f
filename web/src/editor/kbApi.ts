// The knowledge-base endpoints the editor page uses: attachments, comments, versions (docs/knowledge-base.md).
import type { Api, Schema } from '../api'

/** A comment thread: `comments[0]` opens it, the rest are replies in order. */
export type CommentThread = Schema<'CommentThreadResponse'>
export type Comment = Schema<'CommentResponse'>
export type VersionSummary = Schema<'VersionResponse'>
export type VersionDetail = Schema<'VersionContentResponse'>
export type CompareBlock = Schema<'CompareBlock'>
export type CommentAnchor = Schema<'CommentAnchor'>

export class KnowledgeBaseApi {
  private attachmentLimit: Promise<number | null> | null = null

  constructor(private readonly api: Api, private readonly docId: string) {}

  /** The server's upload limit for attachments, read once from the document's description; null when unknown. */
  maxAttachmentBytes(): Promise<number | null> {
    this.attachmentLimit ??= this.api.describeDocument(this.docId).then(
      info => (info.maxAttachmentBytes > 0 ? info.maxAttachmentBytes : null),
      () => { this.attachmentLimit = null; return null }, // asked again at the next upload
    )
    return this.attachmentLimit
  }

  /** Whether the server lets images from other sites into pages (false when unknown). */
  allowExternalImages(): Promise<boolean> {
    return this.api.describeDocument(this.docId).then(info => info.allowExternalImages, () => false)
  }

  uploadAttachment(file: Blob): Promise<Schema<'AttachmentResponse'>> {
    return this.api.upload(`/api/docs/${encodeURIComponent(this.docId)}/attachments`, file, file.type || 'application/octet-stream')
  }

  downloadAttachment(url: string): Promise<Blob> {
    return this.api.download(url)
  }

  comments(): Promise<CommentThread[]> {
    return this.api.call('get', '/api/docs/{id}/comments', { path: { id: this.docId } })
  }

  addComment(anchor: CommentAnchor, quote: string, text: string): Promise<CommentThread> {
    return this.api.call('post', '/api/docs/{id}/comments', { path: { id: this.docId }, body: { anchor, quote, text } })
  }

  reply(threadId: string, text: string): Promise<CommentThread> {
    return this.api.call('post', '/api/docs/{id}/comments/{threadId}/replies', { path: { id: this.docId, threadId }, body: { text } })
  }

  resolve(threadId: string): Promise<CommentThread> {
    return this.api.call('post', '/api/docs/{id}/comments/{threadId}/resolve', { path: { id: this.docId, threadId } })
  }

  versions(): Promise<VersionSummary[]> {
    return this.api.call('get', '/api/docs/{id}/versions', { path: { id: this.docId } })
  }

  version(versionId: string | number): Promise<VersionDetail> {
    return this.api.call('get', '/api/docs/{id}/versions/{versionId}', { path: { id: this.docId, versionId: Number(versionId) } })
  }

  /** `from` and `to` are version ids or `current`. */
  compare(from: string | number, to: string | number): Promise<Schema<'CompareResponse'>> {
    return this.api.call('get', '/api/docs/{id}/versions/compare', { path: { id: this.docId }, query: { from: String(from), to: String(to) } })
  }

  async restore(versionId: string | number): Promise<void> {
    await this.api.call('post', '/api/docs/{id}/versions/{versionId}/restore', { path: { id: this.docId, versionId: Number(versionId) } })
  }
}
