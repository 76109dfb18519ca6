// One tool call in the conversation: the tool, who provides it, its arguments, the user's
// decision (Allow once / Always allow this tool / Deny) while it waits, and its result,
// folded in a <details>.

import { prettyArguments, type ToolCallState, type UiToolCall } from '../lib/tools';
import type { Decision } from './toolRounds';

const STATE_LABEL: Record<ToolCallState, string> = {
  pending: 'Waiting for your approval',
  running: 'Running…',
  done: 'Done',
  denied: 'Denied',
  error: 'Failed',
};

interface Props {
  call: UiToolCall;
  /** Absent for a stored call (nothing left to decide). */
  onDecide?: (d: Decision) => void;
}

export function ToolCallCard({ call, onDecide }: Props) {
  const provider = call.server === 'inferno' ? 'built-in' : call.server ? `MCP · ${call.server}` : 'unknown tool';
  const failed = call.state === 'error' || (call.state === 'done' && call.isError);
  return (
    <section className={`tool-call ${call.state}`} aria-label={`Tool call ${call.name}`} data-testid="tool-call">
      <header>
        <span className="tool-name">{call.name}</span>
        <span className="tool-provider">{provider}</span>
        <span className={`tool-state${failed ? ' failed' : ''}`} role="status">
          {failed && call.state === 'done' ? 'Tool reported an error' : STATE_LABEL[call.state]}
        </span>
      </header>
      <pre className="tool-args" aria-label="Arguments">
        {prettyArguments(call.arguments)}
      </pre>
      {call.state === 'pending' && onDecide && (
        <div className="tool-actions">
          <button type="button" className="primary" onClick={() => onDecide('once')}>
            Allow once
          </button>
          <button type="button" className="ghost" onClick={() => onDecide('always')}>
            Always allow this tool
          </button>
          <button type="button" className="ghost danger" onClick={() => onDecide('deny')}>
            Deny
          </button>
        </div>
      )}
      {call.result !== undefined && call.state !== 'denied' && (
        <details className="tool-result" open>
          <summary>Result</summary>
          <pre aria-label="Result">{call.result}</pre>
        </details>
      )}
    </section>
  );
}
