// One round of tool calls after a reply: each call waits for the user's decision (unless its
// tool runs without asking), runs through the server's /api/tools/call, and its card is
// updated at every step. Calls run one after another, in the order the model wrote them.

import { callTool, type ToolEntry } from '../api/tools';
import { DENIED_RESULT, type UiToolCall } from '../lib/tools';

export type Decision = 'once' | 'always' | 'deny';

export interface RoundHooks {
  signal: AbortSignal;
  /** Whether the tool runs without asking. */
  allowed: (t: ToolEntry) => boolean;
  /** Shows the call's buttons and resolves with the user's choice. */
  ask: (callId: string) => Promise<Decision>;
  onAlways: (t: ToolEntry) => void;
  onUpdate: (calls: UiToolCall[]) => void;
}

async function runOne(
  call: UiToolCall,
  tool: ToolEntry | undefined,
  hooks: RoundHooks,
): Promise<UiToolCall> {
  if (!tool) {
    return { ...call, state: 'error', isError: true, result: `error: no tool named '${call.name}' is offered` };
  }
  if (hooks.signal.aborted) return { ...call, state: 'denied', result: DENIED_RESULT };
  const decision: Decision = hooks.allowed(tool) ? 'once' : await hooks.ask(call.id);
  if (decision === 'deny' || hooks.signal.aborted) return { ...call, state: 'denied', result: DENIED_RESULT };
  if (decision === 'always') hooks.onAlways(tool);
  return { ...call, state: 'running' };
}

async function execute(call: UiToolCall, tool: ToolEntry): Promise<UiToolCall> {
  try {
    const r = await callTool(tool.server, tool.name, call.arguments || '{}');
    return { ...call, state: 'done', result: r.text, isError: r.is_error };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ...call, state: 'error', isError: true, result: `error: ${message}` };
  }
}

/** Decides and runs every call; returns them with their results. */
export async function runToolCalls(
  calls: UiToolCall[],
  offered: ToolEntry[],
  hooks: RoundHooks,
): Promise<UiToolCall[]> {
  const out = [...calls];
  for (let i = 0; i < out.length; i++) {
    const tool = offered.find((t) => t.name === out[i]!.name);
    out[i] = await runOne(out[i]!, tool, hooks);
    hooks.onUpdate([...out]);
    if (out[i]!.state !== 'running' || !tool) continue;
    out[i] = await execute(out[i]!, tool);
    hooks.onUpdate([...out]);
  }
  return out;
}
