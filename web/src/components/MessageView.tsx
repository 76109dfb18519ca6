import { useEffect, useMemo, useRef, useState } from 'react';
import { renderMarkdown } from '../lib/markdown';
import { describeMetrics, formatMetrics } from '../lib/metrics';
import { specCounts } from '../lib/speculation';
import { ImageThumbs } from './ImageThumbs';
import { SpecStats } from './SpecStats';
import { ThinkingBlock } from './ThinkingBlock';
import { ToolCallCard } from './ToolCallCard';
import { TokenStrip } from './TokenView';
import type { Decision } from './toolRounds';
import type { UiMessage } from './useChat';

/** Clipboard write; false where the browser refuses (plain http on another host). */
async function copyText(text: string): Promise<boolean> {
  try {
    await navigator.clipboard.writeText(text);
    return true;
  } catch {
    return false;
  }
}

interface Props {
  message: UiMessage;
  index: number;
  busy: boolean;
  isLastAssistant: boolean;
  onRegenerate: () => void;
  onEdit: (index: number, text: string) => void;
  /** The user's answer to one of this message's tool calls. */
  onDecide?: (callId: string, d: Decision) => void;
}

export function MessageView({ message: m, index, busy, isLastAssistant, onRegenerate, onEdit, onDecide }: Props) {
  const [mode, setMode] = useState<'text' | 'tokens'>('text');
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState(m.content);
  const html = useMemo(() => (m.role === 'assistant' ? renderMarkdown(m.content) : ''), [m.role, m.content]);
  const markdownRef = useRef<HTMLDivElement>(null);
  const [copied, setCopied] = useState(false);

  // A copy button on each finished code block (added after sanitizing: it is ours).
  useEffect(() => {
    if (m.streaming || !markdownRef.current) return;
    for (const pre of markdownRef.current.querySelectorAll('pre.code')) {
      if (pre.querySelector('.copy-code')) continue;
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'copy-code';
      button.textContent = 'Copy';
      button.setAttribute('aria-label', 'Copy code');
      button.addEventListener('click', () => {
        void copyText(pre.querySelector('code')?.textContent ?? '').then((ok) => {
          button.textContent = ok ? 'Copied' : 'Copy failed';
          setTimeout(() => (button.textContent = 'Copy'), 1500);
        });
      });
      pre.appendChild(button);
    }
  }, [html, m.streaming, mode]);

  if (m.role === 'user') {
    return (
      <article className="msg user" aria-label="Your message">
        {editing ? (
          <form
            className="edit-form"
            onSubmit={(e) => {
              e.preventDefault();
              setEditing(false);
              onEdit(index, draft);
            }}
          >
            <textarea
              aria-label="Edit message"
              value={draft}
              rows={Math.min(10, draft.split('\n').length + 1)}
              onChange={(e) => setDraft(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Escape') setEditing(false);
              }}
              autoFocus
            />
            <div className="row-actions">
              <button type="button" className="ghost" onClick={() => setEditing(false)}>
                Cancel
              </button>
              <button type="submit" className="primary" disabled={busy || !draft.trim()}>
                Send edited
              </button>
            </div>
          </form>
        ) : (
          <>
            {m.images && <ImageThumbs images={m.images.map((url) => ({ url }))} />}
            <div className="bubble">{m.content}</div>
            <div className="msg-actions">
              <button
                type="button"
                className="link"
                disabled={busy}
                onClick={() => {
                  setDraft(m.content);
                  setEditing(true);
                }}
              >
                Edit
              </button>
            </div>
          </>
        )}
      </article>
    );
  }

  const hasTokens = !!m.logprobs?.length;
  const spec = specCounts(m.metrics?.drafted_tokens, m.metrics?.accepted_tokens);
  return (
    <article className="msg assistant" aria-label="Assistant message" aria-busy={m.streaming}>
      {m.reasoning && <ThinkingBlock message={m} />}
      {m.error ? (
        <div className="error" role="alert">
          {m.error}
        </div>
      ) : mode === 'tokens' && hasTokens ? (
        <TokenStrip tokens={m.logprobs!} />
      ) : (
        <div className="markdown" ref={markdownRef} dangerouslySetInnerHTML={{ __html: html }} />
      )}
      {m.toolCalls?.map((c) => (
        <ToolCallCard key={c.id} call={c} onDecide={onDecide && ((d) => onDecide(c.id, d))} />
      ))}
      {m.streaming && !m.content && !m.reasoning && !m.error && (
        <div className="thinking">Waiting for the first token…</div>
      )}
      {spec && (
        <div className="msg-spec">
          <SpecStats counts={spec} tokensPerSecond={m.metrics?.tokens_per_second} />
        </div>
      )}
      <div className="msg-footer">
        {m.metrics && (
          <span className="metrics" data-testid="metrics" title={describeMetrics(m.metrics)}>
            {m.model ? `${m.model} · ` : ''}
            {formatMetrics(m.metrics)}
            {m.metrics.finish_reason === 'stopped' ? ' · stopped' : ''}
            {m.metrics.finish_reason === 'length' ? ' · max tokens reached' : ''}
          </span>
        )}
        <span className="spacer" />
        {hasTokens && !m.streaming && (
          <div className="seg" role="group" aria-label="Show as">
            <button type="button" aria-pressed={mode === 'text'} onClick={() => setMode('text')}>
              Text
            </button>
            <button type="button" aria-pressed={mode === 'tokens'} onClick={() => setMode('tokens')}>
              Tokens
            </button>
          </div>
        )}
        {!m.streaming && m.content && (
          <button
            type="button"
            className="link"
            onClick={() =>
              void copyText(m.content).then((ok) => {
                setCopied(ok);
                if (ok) setTimeout(() => setCopied(false), 1500);
              })
            }
          >
            {copied ? 'Copied' : 'Copy'}
          </button>
        )}
        {isLastAssistant && !m.streaming && (
          <button type="button" className="link" disabled={busy} onClick={onRegenerate}>
            Regenerate
          </button>
        )}
      </div>
    </article>
  );
}
