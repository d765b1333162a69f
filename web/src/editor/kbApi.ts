// The knowledge-base endpoints the editor page uses: attachments, comments, versions (docs: PLAN "Knowledge base").
import type { Api } from '../api'

export interface Author {
  username: string
  displayName?: string
}

export interface CommentReply {
  id?: string
  author: string | Author
  text: string
  createdAt?: string
}

export interface CommentThread {
  id: string
  /** Base64 of yjs `encodeRelativePosition` for the start and end of the anchored text. */
  anchor: { start: string; end: string }
  quote: string
  text: string
  author: string | Author
  createdAt?: string
  resolved?: boolean
  replies?: CommentReply[]
}

export interface VersionSummary {
  /** The server may number versions; the client only passes the id back. */
  id: string | number
  createdAt: string
  authors: (string | Author)[]
  reason?: string
}

export interface VersionDetail extends VersionSummary {
  html: string
  markdown?: string
}

export interface CompareBlock {
  op: 'same' | 'added' | 'removed'
  html: string
}

/** A thread as the server may send it: either text/author/replies, or one `comments` list whose first entry opens it. */
type WireThread = Omit<CommentThread, 'text' | 'author'> & Partial<Pick<CommentThread, 'text' | 'author'>> & { comments?: CommentReply[] }

function normalizeThread(thread: WireThread): CommentThread {
  if (!thread.comments || thread.comments.length === 0) return { ...thread, text: thread.text ?? '', author: thread.author ?? '?' }
  const [first, ...rest] = thread.comments.map(named)
  return { ...thread, text: first.text, author: first.author, createdAt: thread.createdAt ?? first.createdAt, replies: rest }
}

/** `{ author: username, authorName }` as the comments API sends it, folded into one author. */
function named(comment: CommentReply & { authorName?: string }): CommentReply {
  if (typeof comment.author === 'string' && comment.authorName) return { ...comment, author: { username: comment.author, displayName: comment.authorName } }
  return comment
}

const docPath = (docId: string) => `/api/docs/${encodeURIComponent(docId)}`

export function authorName(author: string | Author | undefined): string {
  if (!author) return '?'
  if (typeof author === 'string') return author
  return author.displayName || author.username
}

export class KnowledgeBaseApi {
  private attachmentLimit: Promise<number | null> | null = null

  constructor(private readonly api: Api, private readonly docId: string) {}

  /** The server's upload limit for attachments, read once from the document's description; null when unknown. */
  maxAttachmentBytes(): Promise<number | null> {
    this.attachmentLimit ??= this.api.describeDocument(this.docId).then(
      info => (typeof info.maxAttachmentBytes === 'number' && info.maxAttachmentBytes > 0 ? info.maxAttachmentBytes : null),
      () => { this.attachmentLimit = null; return null }, // asked again at the next upload
    )
    return this.attachmentLimit
  }

  /** Whether the server lets images from other sites into pages (false when unknown). */
  allowExternalImages(): Promise<boolean> {
    return this.api.describeDocument(this.docId).then(info => info.allowExternalImages === true, () => false)
  }

  uploadAttachment(file: Blob): Promise<{ id: string; url: string }> {
    return this.api.upload(`${docPath(this.docId)}/attachments`, file, file.type || 'application/octet-stream')
  }

  downloadAttachment(url: string): Promise<Blob> {
    return this.api.download(url)
  }

  async comments(): Promise<CommentThread[]> {
    const answer = await this.api.request<WireThread[] | { threads: WireThread[] }>('GET', `${docPath(this.docId)}/comments`)
    return (Array.isArray(answer) ? answer : answer.threads).map(normalizeThread)
  }

  addComment(anchor: { start: string; end: string }, quote: string, text: string): Promise<CommentThread> {
    return this.api.request('POST', `${docPath(this.docId)}/comments`, { anchor, quote, text })
  }

  reply(threadId: string, text: string): Promise<unknown> {
    return this.api.request('POST', `${docPath(this.docId)}/comments/${encodeURIComponent(threadId)}/replies`, { text })
  }

  resolve(threadId: string): Promise<unknown> {
    return this.api.request('POST', `${docPath(this.docId)}/comments/${encodeURIComponent(threadId)}/resolve`)
  }

  versions(): Promise<VersionSummary[]> {
    return this.api.request('GET', `${docPath(this.docId)}/versions`)
  }

  version(versionId: string | number): Promise<VersionDetail> {
    return this.api.request('GET', `${docPath(this.docId)}/versions/${encodeURIComponent(String(versionId))}`)
  }

  compare(from: string | number, to: string | number): Promise<{ blocks: CompareBlock[] }> {
    const query = `from=${encodeURIComponent(String(from))}&to=${encodeURIComponent(String(to))}`
    return this.api.request('GET', `${docPath(this.docId)}/versions/compare?${query}`)
  }

  restore(versionId: string | number): Promise<unknown> {
    return this.api.request('POST', `${docPath(this.docId)}/versions/${encodeURIComponent(String(versionId))}/restore`)
  }
}
