// The chat: the messages (kept scrolled to the newest text while it streams) and the
// composer.

import { useEffect, useRef } from 'react';
import { transferFiles, visionProblem } from '../lib/images';
import { Composer } from './Composer';
import { MessageView } from './MessageView';
import { useAttachments } from './useAttachments';
import type { useChat } from './useChat';

interface Props {
  chat: ReturnType<typeof useChat>;
  model: string;
  /** The model's capabilities (/v1/models): "vision" lets images be attached. */
  capabilities?: string[];
}

export function ChatView({ chat, model, capabilities }: Props) {
  const listRef = useRef<HTMLDivElement>(null);
  const attachments = useAttachments(visionProblem(model, capabilities));
  // Keep the newest text in view while streaming, unless the reader scrolled up.
  const last = chat.messages[chat.messages.length - 1];
  useEffect(() => {
    const el = listRef.current;
    if (!el) return;
    if (el.scrollHeight - el.scrollTop - el.clientHeight < 160) el.scrollTop = el.scrollHeight;
  }, [last?.content, chat.messages.length]);

  let lastAssistant = -1;
  chat.messages.forEach((m, i) => {
    if (m.role === 'assistant') lastAssistant = i;
  });

  return (
    <>
      <div
        className="messages"
        ref={listRef}
        aria-live="polite"
        onDragOver={(e) => e.preventDefault()}
        onDrop={(e) => {
          e.preventDefault();
          void attachments.add(transferFiles(e.dataTransfer));
        }}
      >
        {chat.messages.length === 0 ? (
          <div className="empty">
            <h1>What should the model say?</h1>
            <p className="muted">
              Replies stream in with their speed and time to first token. Switch a reply to <strong>Tokens</strong> to
              see how sure the model was of each token and what else it considered.
            </p>
          </div>
        ) : (
          chat.messages.map((m, i) => (
            <MessageView
              key={m.key}
              message={m}
              index={i}
              busy={chat.busy}
              isLastAssistant={i === lastAssistant}
              onRegenerate={() => void chat.regenerate()}
              onEdit={(idx, text) => void chat.editAndResend(idx, text)}
              onDecide={chat.decide}
            />
          ))
        )}
      </div>
      <Composer
        model={model}
        busy={chat.busy}
        disabled={false}
        attachments={attachments}
        onSend={chat.send}
        onStop={chat.stop}
      />
    </>
  );
}
