// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { vi } from 'vitest';
import type { TokenMsg } from '../api/debugger';
import { startRequest, DEFAULT_RUN_OPTIONS } from '../lib/debugRequest';
import type { DebugSession } from '../lib/debugState';
import { computeMetrics } from '../lib/metrics';
import { buildChatRequest, DEFAULT_SETTINGS, sanitizeSettings } from '../lib/settings';
import { countMarks, speculationChoices } from '../lib/speculation';
import { DraftNote } from './DebugDraft';
import { GeneratedTokens } from './DebugTokens';
import { MessageView } from './MessageView';
import { SpeculationField } from './SpeculationField';
import type { UiMessage } from './useChat';

function tok(index: number, text: string, extra: Partial<TokenMsg> = {}): TokenMsg {
  return { type: 'token', session: 's1', index, position: 10 + index, id: 100 + index, text, prob: 0.9, ...extra };
}

function session(tokens: TokenMsg[], timings?: DebugSession['timings']): DebugSession {
  return { id: 's1', prompt: [], tokens, attention: {}, lens: {}, state: timings ? 'done' : 'generating', indexOffset: 0, timings };
}

describe('speculation settings', () => {
  it('offers draft only when the server has a draft model', () => {
    expect(speculationChoices({ mode: 'lookup', draft_model: false })).toEqual(['auto', 'off', 'lookup']);
    expect(speculationChoices({ mode: 'off', draft_model: true })).toEqual(['auto', 'off', 'lookup', 'draft']);
    expect(speculationChoices(null)).toEqual(['auto', 'off', 'lookup']);
  });

  it('keeps a valid stored choice and drops a bad one', () => {
    expect(sanitizeSettings({ speculation: 'lookup' }).speculation).toBe('lookup');
    expect(sanitizeSettings({ speculation: 'fast' }).speculation).toBe('auto');
  });

  it('sends the choice in chat and debugger requests, and nothing for auto', () => {
    const msgs = [{ role: 'user', content: 'hi' }];
    expect(buildChatRequest('m', '', msgs, DEFAULT_SETTINGS)).not.toHaveProperty('speculation');
    const lookup = { ...DEFAULT_SETTINGS, speculation: 'lookup' as const };
    expect(buildChatRequest('m', '', msgs, lookup).speculation).toBe('lookup');
    expect(startRequest('x', 'm', '', lookup, DEFAULT_RUN_OPTIONS).speculation).toBe('lookup');
    expect(startRequest('x', 'm', '', DEFAULT_SETTINGS, DEFAULT_RUN_OPTIONS)).not.toHaveProperty('speculation');
  });

  it('the field lists what the server offers and reports a change', () => {
    const onChange = vi.fn();
    const { rerender } = render(
      <SpeculationField value="auto" onChange={onChange} server={{ mode: 'lookup', draft_model: false }} />,
    );
    const select = screen.getByLabelText('Speculative decoding') as HTMLSelectElement;
    expect([...select.options].map((o) => o.value)).toEqual(['auto', 'off', 'lookup']);
    expect(select.options[0]!.textContent).toBe('Server default (lookup)');
    fireEvent.change(select, { target: { value: 'off' } });
    expect(onChange).toHaveBeenCalledWith('off');
    rerender(<SpeculationField value="auto" onChange={onChange} server={{ mode: 'off', draft_model: true }} />);
    expect([...select.options].map((o) => o.value)).toEqual(['auto', 'off', 'lookup', 'draft']);
  });

  it('asks /health when the server answer is not given', async () => {
    const fetchMock = vi.fn(async (_url: string) => Response.json({ status: 'ok', speculation: { mode: 'draft', draft_model: true } }));
    vi.stubGlobal('fetch', fetchMock);
    render(<SpeculationField value="auto" onChange={() => {}} />);
    expect(await screen.findByText('Draft model')).toBeTruthy();
    expect(fetchMock.mock.calls[0]![0]).toBe('/health');
    vi.unstubAllGlobals();
  });
});

describe('a speculated chat reply', () => {
  const metrics = computeMetrics({ start: 0, first: 40, last: 400, tokens: 30 }, 30, {
    predicted_n: 30,
    predicted_per_second: 81.25,
    draft_n: 24,
    draft_n_accepted: 18,
  });

  it('keeps the server counts in the metrics', () => {
    expect(metrics).toMatchObject({ tokens: 30, tokens_per_second: 81.25, drafted_tokens: 24, accepted_tokens: 18 });
    expect(computeMetrics({ start: 0, tokens: 2 }, 2, { predicted_n: 2 })).not.toHaveProperty('drafted_tokens');
  });

  it('shows drafted and accepted counts, the rate and the effective speed', () => {
    const m: UiMessage = { key: 'a', role: 'assistant', content: 'x', metrics };
    render(<MessageView message={m} index={1} busy={false} isLastAssistant={false} onRegenerate={() => {}} onEdit={() => {}} />);
    expect(screen.getByTestId('spec-stats').textContent).toBe(
      'speculative: 24 drafted · 18 accepted · acceptance rate 75% · 81.3 tok/s effective',
    );
  });

  it('shows nothing of it for a reply that was not speculated', () => {
    const m: UiMessage = { key: 'a', role: 'assistant', content: 'x', metrics: { tokens: 3, tokens_per_second: 9, rate_source: 'server' } };
    render(<MessageView message={m} index={1} busy={false} isLastAssistant={false} onRegenerate={() => {}} onEdit={() => {}} />);
    expect(screen.queryByTestId('spec-stats')).toBeNull();
  });
});

describe('debugger draft marks', () => {
  const tokens = [
    tok(0, 'a'),
    tok(1, 'b', { draft: 'accepted' }),
    tok(2, 'c', { draft: 'rejected', draft_id: 7, top: [{ id: 102, text: 'c', prob: 0.6 }, { id: 7, text: 'z', prob: 0.3 }] }),
    tok(3, 'd', { draft: 'accepted' }),
    tok(4, 'e', { draft: 'bonus' }),
  ];

  it('marks each token by what became of the draft, with a legend and the run rate', () => {
    render(
      <GeneratedTokens
        session={session(tokens, { drafted_tokens: 5, accepted_tokens: 2, decode_tokens_per_second: 40 })}
        selected={null}
        onSelect={() => {}}
      />,
    );
    const chips = screen.getAllByRole('listitem');
    expect(chips.map((c) => c.getAttribute('data-draft'))).toEqual([null, 'accepted', 'rejected', 'accepted', 'bonus']);
    expect(chips[2]!.className).toContain('draft-rejected');
    expect(chips[2]!.title).toContain('draft proposed "z", rejected');
    const legend = screen.getByTestId('draft-legend');
    expect(legend.textContent).toContain('accepted 2');
    expect(legend.textContent).toContain('rejected 1');
    expect(legend.textContent).toContain('bonus 1');
    expect(screen.getByTestId('spec-stats').textContent).toBe(
      'speculative: 5 drafted · 2 accepted · acceptance rate 40% · 40.0 tok/s effective',
    );
  });

  it('shows the marks while running, the rate only once the server counted the drafts', () => {
    render(<GeneratedTokens session={session(tokens)} selected={null} onSelect={() => {}} />);
    expect(screen.getByTestId('draft-legend').textContent).toContain('accepted 2');
    expect(screen.queryByTestId('spec-stats')).toBeNull();
    expect(screen.getByTestId('draft-legend').textContent).toContain('the acceptance rate comes at the end of the run');
  });

  it('shows a stored session its marks without counts it does not have', () => {
    render(<GeneratedTokens session={{ ...session(tokens), state: 'done' }} selected={null} onSelect={() => {}} />);
    const legend = screen.getByTestId('draft-legend');
    expect(legend.textContent).toBe('accepted 2rejected 1bonus 1');
    expect(screen.queryByTestId('spec-stats')).toBeNull();
  });

  it('has no legend when nothing was drafted', () => {
    render(<GeneratedTokens session={session([tok(0, 'a'), tok(1, 'b')])} selected={null} onSelect={() => {}} />);
    expect(screen.queryByTestId('draft-legend')).toBeNull();
    expect(countMarks([tok(0, 'a')])).toEqual({ accepted: 0, rejected: 0, bonus: 0 });
  });

  it('names the token the draft proposed at a rejected step', () => {
    render(<DraftNote tok={tokens[2]!} />);
    expect(screen.getByTestId('draft-note').textContent).toBe(
      'Speculative decoding: The draft proposed “z” (id 7, 30%); the model rejected it and chose this token instead.',
    );
  });
});
