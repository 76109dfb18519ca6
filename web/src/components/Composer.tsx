import { useEffect, useRef, useState } from 'react';
import { tokenize } from '../api/client';
import { transferFiles } from '../lib/images';
import { AttachImagesButton, ImageThumbs } from './ImageThumbs';
import type { Attachments } from './useAttachments';

interface Props {
  /** Model whose tokenizer counts the draft; none = no count. */
  model?: string;
  busy: boolean;
  disabled: boolean;
  /** The images waiting to be sent (button, paste, drop). */
  attachments: Attachments;
  onSend: (text: string, images: string[]) => void;
  onStop: () => void;
}

/** The prompt box: Enter sends, Shift+Enter is a newline; Stop while generating. */
export function Composer({ model, busy, disabled, attachments, onSend, onStop }: Props) {
  const [text, setText] = useState('');
  const [count, setCount] = useState<number | null>(null);
  const [dragging, setDragging] = useState(false);
  const ref = useRef<HTMLTextAreaElement>(null);

  // The draft's length in tokens (without the chat template), counted by the server's
  // tokenizer a moment after typing stops.
  useEffect(() => {
    if (!model || !text.trim()) {
      setCount(null);
      return;
    }
    let live = true;
    const t = setTimeout(() => {
      tokenize(model, text, false).then(
        (tokens) => live && setCount(tokens.length),
        () => live && setCount(null),
      );
    }, 350);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [model, text]);
  const submit = () => {
    if (busy || disabled || !text.trim()) return;
    onSend(
      text,
      attachments.attachments.map((a) => a.url),
    );
    setText('');
    attachments.clear();
    ref.current?.focus();
  };
  return (
    <form
      className={dragging ? 'composer dragging' : 'composer'}
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        setDragging(false);
        void attachments.add(transferFiles(e.dataTransfer));
      }}
    >
      <div className="composer-main">
        <ImageThumbs images={attachments.attachments} onRemove={attachments.remove} />
        {attachments.errors.map((err) => (
          <div key={err} className="error attach-error" role="alert">
            {err}
          </div>
        ))}
        <label htmlFor="prompt" className="sr-only">
          Message
        </label>
        <textarea
          id="prompt"
          ref={ref}
          value={text}
          placeholder="Message the model — Enter to send, Shift+Enter for a new line; paste or drop images"
          rows={Math.min(8, Math.max(2, text.split('\n').length))}
          onChange={(e) => setText(e.target.value)}
          onPaste={(e) => {
            const files = transferFiles(e.clipboardData);
            if (!files.length) return; // text pastes as text
            e.preventDefault();
            void attachments.add(files);
          }}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              submit();
            }
          }}
        />
      </div>
      <AttachImagesButton
        label="Attach image"
        inputLabel="Attach images"
        testId="attach-input"
        onFiles={(files) => void attachments.add(files)}
      />
      {count !== null && (
        <span className="draft-count" data-testid="draft-count" aria-live="polite">
          {count} token{count === 1 ? '' : 's'}
        </span>
      )}
      {busy ? (
        <button type="button" className="stop" onClick={onStop}>
          Stop
        </button>
      ) : (
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>
          Send
        </button>
      )}
    </form>
  );
}
