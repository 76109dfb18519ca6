import { useEffect, useRef, useState } from 'react';
import { tokenize } from '../api/client';

interface Props {
  /** Model whose tokenizer counts the draft; none = no count. */
  model?: string;
  busy: boolean;
  disabled: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** The prompt box: Enter sends, Shift+Enter is a newline; Stop while generating. */
export function Composer({ model, busy, disabled, onSend, onStop }: Props) {
  const [text, setText] = useState('');
  const [count, setCount] = useState<number | null>(null);
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
    onSend(text);
    setText('');
    ref.current?.focus();
  };
  return (
    <form
      className="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <label htmlFor="prompt" className="sr-only">
        Message
      </label>
      <textarea
        id="prompt"
        ref={ref}
        value={text}
        placeholder="Message the model — Enter to send, Shift+Enter for a new line"
        rows={Math.min(8, Math.max(2, text.split('\n').length))}
        onChange={(e) => setText(e.target.value)}
        onKeyDown={(e) => {
          if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
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
