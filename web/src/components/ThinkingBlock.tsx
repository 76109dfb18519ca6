// A thinking model's reasoning, above its answer: open while the model thinks (the live
// stream), folded once the answer begins, and opened or folded by the user at will.
import { useEffect, useRef, useState } from 'react';
import type { UiMessage } from './useChat';

function seconds(ms: number): string {
  return ms < 10000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

/** "Thinking… · 12 tokens" while it lasts, then "Thought for 1.2 s · 12 tokens". */
export function thinkingSummary(m: UiMessage): string {
  const live = m.streaming && !m.content;
  const tokens = m.thinking?.tokens ?? m.metrics?.reasoning_tokens;
  const ms = m.thinking ? (m.thinking.end ?? m.thinking.start) - m.thinking.start : m.metrics?.reasoning_ms;
  const count = tokens ? ` · ${tokens} token${tokens === 1 ? '' : 's'}` : '';
  if (live) return `Thinking…${count}`;
  return (ms !== undefined ? `Thought for ${seconds(ms)}` : 'Thoughts') + count;
}

export function ThinkingBlock({ message: m }: { message: UiMessage }) {
  const thinkingNow = !!m.streaming && !m.content;
  // null: follow the stream (open while thinking); a boolean: the user's own choice.
  const [choice, setChoice] = useState<boolean | null>(null);
  const open = choice ?? thinkingNow;
  const bodyRef = useRef<HTMLDivElement>(null);
  // Keep the newest reasoning in view while it streams.
  useEffect(() => {
    if (thinkingNow && open && bodyRef.current) bodyRef.current.scrollTop = bodyRef.current.scrollHeight;
  }, [m.reasoning, thinkingNow, open]);
  return (
    <details
      className={`thoughts${thinkingNow ? ' live' : ''}`}
      open={open}
      data-testid="thinking"
      onToggle={(e) => {
        const next = (e.currentTarget as HTMLDetailsElement).open;
        if (next !== open) setChoice(next);
      }}
    >
      <summary>{thinkingSummary(m)}</summary>
      <div className="thoughts-body" ref={bodyRef}>
        {m.reasoning}
      </div>
    </details>
  );
}
