import { describe, expect, it } from 'vitest';
import type { ToolEntry } from '../api/tools';
import { addToolCallDeltas, type StreamToolCall } from '../api/client';
import {
  allowAlways,
  askEachTime,
  alwaysAllowed,
  commandLine,
  DEFAULT_TOOL_PREFS,
  foldToolMessages,
  offeredTools,
  parseHeaders,
  prettyArguments,
  sanitizeToolPrefs,
  toApiMessages,
} from './tools';

const tool = (server: string, name: string): ToolEntry => ({
  server,
  provider: server,
  name,
  description: '',
  parameters: { type: 'object' },
});
const calc = tool('inferno', 'calculator');
const add = tool('sdk', 'add');
const add2 = tool('other', 'add');

describe('tool choices', () => {
  it('offers enabled tools, the first of each name', () => {
    expect(offeredTools([calc, add, add2], DEFAULT_TOOL_PREFS)).toEqual([calc, add]);
    expect(offeredTools([calc, add], { ...DEFAULT_TOOL_PREFS, builtins: false })).toEqual([add]);
    expect(offeredTools([calc, add, add2], { ...DEFAULT_TOOL_PREFS, disabled: ['sdk/add'] })).toEqual([calc, add2]);
  });

  it('built-ins run without asking, MCP tools only once always allowed', () => {
    expect(alwaysAllowed(calc, DEFAULT_TOOL_PREFS)).toBe(true);
    expect(alwaysAllowed(calc, { ...DEFAULT_TOOL_PREFS, ask: ['inferno/calculator'] })).toBe(false);
    expect(alwaysAllowed(add, DEFAULT_TOOL_PREFS)).toBe(false);
    const p = allowAlways(add, DEFAULT_TOOL_PREFS);
    expect(p.always).toEqual(['sdk/add']);
    expect(alwaysAllowed(add, p)).toBe(true);
    expect(alwaysAllowed(add2, p)).toBe(false);
    expect(allowAlways(add, p).always).toEqual(['sdk/add']);
    // ...and back to asking.
    expect(alwaysAllowed(add, askEachTime(add, p))).toBe(false);
    const asking = askEachTime(calc, DEFAULT_TOOL_PREFS);
    expect(asking.ask).toEqual(['inferno/calculator']);
    expect(alwaysAllowed(calc, asking)).toBe(false);
    expect(alwaysAllowed(calc, allowAlways(calc, asking))).toBe(true);
  });

  it('sanitizes stored preferences', () => {
    expect(sanitizeToolPrefs(null)).toEqual(DEFAULT_TOOL_PREFS);
    expect(sanitizeToolPrefs({ builtins: false, always: ['a', 3], disabled: 'x' })).toEqual({
      builtins: false,
      disabled: [],
      always: ['a'],
      ask: [],
    });
  });
});

describe('tool turns', () => {
  it('become an assistant message with tool_calls and one tool message per call', () => {
    const msgs = toApiMessages([
      { role: 'user', content: 'What is 2 + 3?' },
      {
        role: 'assistant',
        content: '',
        toolCalls: [
          { id: 'c1', name: 'add', arguments: '{"a":2,"b":3}', state: 'done', result: '5' },
          { id: 'c2', name: 'add', arguments: '{}', state: 'denied' },
        ],
      },
    ]);
    expect(msgs).toEqual([
      { role: 'user', content: 'What is 2 + 3?' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'c1', type: 'function', function: { name: 'add', arguments: '{"a":2,"b":3}' } },
          { id: 'c2', type: 'function', function: { name: 'add', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'c1', content: '5' },
      { role: 'tool', tool_call_id: 'c2', content: 'The user denied this tool call.' },
    ]);
  });

  it('come back from the store folded into the calls they answer', () => {
    const folded = foldToolMessages([
      { role: 'user', content: 'q' },
      {
        role: 'assistant',
        content: '',
        metrics: { tool_calls: [{ id: 'c1', name: 'add', arguments: '{}', server: 'sdk' }] },
      },
      { role: 'tool', content: '5', metrics: { tool_call_id: 'c1', name: 'add', state: 'done', is_error: false } },
      { role: 'assistant', content: 'It is 5.' },
    ]);
    expect(folded.map((f) => f.hidden)).toEqual([false, false, true, false]);
    expect(folded[1]!.calls).toEqual([
      { id: 'c1', name: 'add', arguments: '{}', server: 'sdk', state: 'done', result: '5', isError: false },
    ]);
    expect(folded[3]!.calls).toBeUndefined();
  });

  it('assembles streamed call deltas by index', () => {
    const calls: StreamToolCall[] = [];
    addToolCallDeltas(calls, [{ index: 0, id: 'call_1', function: { name: 'add', arguments: '' } }]);
    addToolCallDeltas(calls, [{ index: 0, function: { arguments: '{"a": 2' } }]);
    addToolCallDeltas(calls, [
      { index: 0, function: { arguments: ', "b": 3}' } },
      { index: 1, id: 'call_2', function: { name: 'current_time', arguments: '{}' } },
    ]);
    expect(calls).toEqual([
      { id: 'call_1', name: 'add', arguments: '{"a": 2, "b": 3}' },
      { id: 'call_2', name: 'current_time', arguments: '{}' },
    ]);
  });

  it('pretty-prints arguments that parse and keeps others as written', () => {
    expect(prettyArguments('{"a":1}')).toBe('{\n  "a": 1\n}');
    expect(prettyArguments('{"a":')).toBe('{"a":');
    expect(prettyArguments('')).toBe('{}');
  });
});

describe('MCP server form helpers', () => {
  it('writes command lines as the server does (mcp::CommandLine)', () => {
    expect(commandLine('node', ['server.mjs', '--stdio'])).toBe('node server.mjs --stdio');
    expect(commandLine('npx', ['-y', '@scope/pkg@1.2'])).toBe('npx -y @scope/pkg@1.2');
    expect(commandLine('sh', ['-c', "echo 'hi' there", ''])).toBe(`sh -c 'echo '\\''hi'\\'' there' ''`);
  });

  it('parses header lines', () => {
    expect(parseHeaders('Authorization: Bearer a:b\n\nX-Key:  k ')).toEqual({
      Authorization: 'Bearer a:b',
      'X-Key': 'k',
    });
    expect(() => parseHeaders('no colon here')).toThrow('"no colon here" is not a header: write Name: value');
  });
});
