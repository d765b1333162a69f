// The knowledge assistant's chat panel: questions to POST /api/assistant/ask, answers with their cited page sections
// (title › heading path, with the section's age), the closest pages when nothing fits, thumbs up/down, and on
// re-reading the conversation a mark on every source that changed since it was cited.
import { useState } from 'react'
import { useTranslation } from 'react-i18next'
import { Link } from 'react-router'
import type { Api, Schema } from '../../api'
import { formatDateTime } from '../../i18n'
import { errorText } from '../ui'
import './assistant.css'

type Ask = Schema<'AskResponse'>
type Conversation = Schema<'ConversationResponse'>

interface Citation {
  number: number
  pageId: string
  title: string
  spaceId?: string | null
  heading: string
  updatedAt: string | null
  sourceChanged?: boolean
}

interface Turn {
  turn: number
  question: string
  found: boolean
  answer: string
  generated: boolean
  withheld: boolean
  helpful: boolean | null
  citations: Citation[]
  closest: Ask['closest']
}

/** The page in its space's tree when the space is known, else on its own. */
function pageHref(pageId: string, spaceId?: string | null): string {
  return spaceId ? `/space/${encodeURIComponent(spaceId)}/page/${encodeURIComponent(pageId)}` : `/doc/${encodeURIComponent(pageId)}`
}

function fromAsk(question: string, ask: Ask): Turn {
  return { turn: ask.turn, question, found: ask.found, answer: ask.answer, generated: ask.generated, withheld: false, helpful: null, citations: ask.citations, closest: ask.closest }
}

function fromConversation(conversation: Conversation): Turn[] {
  return conversation.turns.map(turn => ({
    turn: turn.turn, question: turn.question, found: turn.found, answer: turn.answer, generated: turn.generated, withheld: turn.withheld,
    helpful: turn.helpful ?? null, citations: turn.citations, closest: [],
  }))
}

export default function AssistantPanel({ api, onClose }: { api: Api; onClose: () => void }) {
  const { t } = useTranslation()
  const [conversationId, setConversationId] = useState<string | null>(null)
  const [turns, setTurns] = useState<Turn[]>([])
  const [question, setQuestion] = useState('')
  const [busy, setBusy] = useState(false)
  const [failure, setFailure] = useState<unknown>(null)

  const ask = async (event: { preventDefault(): void }) => {
    event.preventDefault()
    const text = question.trim()
    if (!text || busy) return
    setBusy(true)
    setFailure(null)
    try {
      const answer = await api.call('post', '/api/assistant/ask', { body: { question: text, conversationId } })
      setConversationId(answer.conversationId)
      setTurns(previous => [...previous, fromAsk(text, answer)])
      setQuestion('')
    } catch (error) {
      setFailure(error)
    } finally {
      setBusy(false)
    }
  }

  const refresh = async () => {
    if (!conversationId) return
    try {
      setTurns(fromConversation(await api.call('get', '/api/assistant/conversations/{id}', { path: { id: conversationId } })))
    } catch (error) {
      setFailure(error)
    }
  }

  const rate = async (turn: Turn, helpful: boolean) => {
    if (!conversationId) return
    try {
      await api.call('post', '/api/assistant/conversations/{id}/turns/{turn}/feedback', { path: { id: conversationId, turn: turn.turn }, body: { helpful } })
      setTurns(previous => previous.map(t => (t.turn === turn.turn ? { ...t, helpful } : t)))
    } catch (error) {
      setFailure(error)
    }
  }

  const restart = () => {
    setConversationId(null)
    setTurns([])
    setFailure(null)
  }

  return (
    <aside className="assistant-panel" aria-label={t('app.assistant.title')} data-testid="assistant-panel">
      <header>
        <h2>{t('app.assistant.title')}</h2>
        <span className="spacer" />
        {conversationId ? <button type="button" className="link" onClick={() => void refresh()}>{t('app.assistant.refresh')}</button> : null}
        {conversationId ? <button type="button" className="link" onClick={restart}>{t('app.assistant.new')}</button> : null}
        <button type="button" className="link" onClick={onClose} aria-label={t('app.close')}>×</button>
      </header>
      <ol className="assistant-turns">
        {turns.length === 0 ? <li className="muted">{t('app.assistant.intro')}</li> : null}
        {turns.map(turn => (
          <li key={turn.turn} data-testid="assistant-turn">
            <p className="assistant-question">{turn.question}</p>
            {turn.withheld
              ? <p className="muted">{t('app.assistant.withheld')}</p>
              : <p className={turn.found ? 'assistant-answer' : 'assistant-answer muted'} data-testid="assistant-answer">{turn.answer}</p>}
            {turn.generated ? <p className="muted small">{t('app.assistant.generated')}</p> : null}
            {turn.citations.length > 0 ? (
              <ul className="assistant-citations">
                {turn.citations.map(citation => (
                  <li key={citation.number}>
                    [{citation.number}] <Link to={pageHref(citation.pageId, citation.spaceId)}>{citation.title}{citation.heading ? ` › ${citation.heading}` : ''}</Link>
                    {citation.updatedAt ? <span className="muted small"> · {t('app.assistant.updated', { time: formatDateTime(citation.updatedAt) })}</span> : null}
                    {citation.sourceChanged ? <span className="badge" data-testid="assistant-source-changed">{t('app.assistant.sourceChanged')}</span> : null}
                  </li>
                ))}
              </ul>
            ) : null}
            {turn.closest.length > 0 ? (
              <div className="assistant-closest">
                <span className="muted small">{t('app.assistant.closest')}</span>
                <ul>{turn.closest.map(page => <li key={page.pageId}><Link to={pageHref(page.pageId, page.spaceId)}>{page.title}</Link></li>)}</ul>
              </div>
            ) : null}
            {turn.found && !turn.withheld ? (
              <div className="assistant-feedback">
                <button type="button" className={turn.helpful === true ? 'link selected' : 'link'} aria-pressed={turn.helpful === true} onClick={() => void rate(turn, true)}>{t('app.assistant.helpful')}</button>
                <button type="button" className={turn.helpful === false ? 'link selected' : 'link'} aria-pressed={turn.helpful === false} onClick={() => void rate(turn, false)}>{t('app.assistant.notHelpful')}</button>
              </div>
            ) : null}
          </li>
        ))}
      </ol>
      {failure ? <p className="error">{errorText(failure)}</p> : null}
      <form className="assistant-ask" onSubmit={event => void ask(event)}>
        <textarea value={question} onChange={event => setQuestion(event.target.value)} maxLength={500} rows={2}
          placeholder={t('app.assistant.placeholder')} aria-label={t('app.assistant.placeholder')} data-testid="assistant-question"
          onKeyDown={event => { if (event.key === 'Enter' && !event.shiftKey) { event.preventDefault(); void ask(event) } }} />
        <button type="submit" disabled={busy || !question.trim()}>{busy ? t('app.loading') : t('app.assistant.ask')}</button>
      </form>
    </aside>
  )
}
