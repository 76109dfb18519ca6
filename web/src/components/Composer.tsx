import { useRef, useState } from 'react';

interface Props {
  busy: boolean;
  disabled: boolean;
  onSend: (text: string) => void;
  onStop: () => void;
}

/** The prompt box: Enter sends, Shift+Enter is a newline; Stop while generating. */
export function Composer({ busy, disabled, onSend, onStop }: Props) {
  const [text, setText] = useState('');
  const ref = useRef<HTMLTextAreaElement>(null);
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
