// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { vi } from 'vitest';
import { listModels } from '../api/client';
import { Composer } from './Composer';
import { MessageView } from './MessageView';
import { TokenStrip } from './TokenView';

describe('Composer', () => {
  it('sends on Enter and keeps Shift+Enter for new lines', () => {
    const onSend = vi.fn();
    render(<Composer busy={false} disabled={false} onSend={onSend} onStop={() => {}} />);
    const box = screen.getByLabelText('Message');
    fireEvent.change(box, { target: { value: 'line one' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('line one');
    expect((box as HTMLTextAreaElement).value).toBe('');
  });

  it('counts the draft in tokens with the model tokenizer', async () => {
    const fetchMock = vi.fn(async (_url: string, init?: RequestInit) => {
      const body = JSON.parse(String(init?.body));
      expect(body).toMatchObject({ model: 'tiny', add_special: false });
      return Response.json({ tokens: body.content.split(' ').map((t: string, i: number) => ({ id: i, text: t })) });
    });
    vi.stubGlobal('fetch', fetchMock);
    render(<Composer model="tiny" busy={false} disabled={false} onSend={() => {}} onStop={() => {}} />);
    fireEvent.change(screen.getByLabelText('Message'), { target: { value: 'one two three' } });
    expect((await screen.findByTestId('draft-count')).textContent).toBe('3 tokens');
    expect(fetchMock).toHaveBeenCalledTimes(1);
    vi.unstubAllGlobals();
  });

  it('shows Stop while busy', () => {
    const onStop = vi.fn();
    render(<Composer busy disabled={false} onSend={() => {}} onStop={onStop} />);
    fireEvent.click(screen.getByRole('button', { name: 'Stop' }));
    expect(onStop).toHaveBeenCalled();
  });
});

describe('TokenStrip', () => {
  it('shows the top-k bars of a clicked token', () => {
    const tokens = [
      { token: 'Hello', logprob: Math.log(0.9), top_logprobs: [{ token: 'Hello', logprob: Math.log(0.9) }] },
      {
        token: ' world',
        logprob: Math.log(0.3),
        top_logprobs: [
          { token: ' there', logprob: Math.log(0.6) },
          { token: ' world', logprob: Math.log(0.3) },
        ],
      },
    ];
    render(<TokenStrip tokens={tokens} />);
    const chips = screen.getAllByRole('listitem');
    expect(chips.map((c) => c.className)).toEqual(['tok p0', 'tok p2']);
    fireEvent.click(chips[1]!);
    const rows = screen.getAllByTestId('topk-row');
    expect(rows.map((r) => r.textContent)).toEqual(['·there60%', '·world30%']);
    expect(rows[1]!.className).toBe('chosen');
    expect(screen.getByText(/Position 1/)).toBeTruthy();
    fireEvent.keyDown(chips[1]!, { key: 'ArrowLeft' });
    expect(screen.getByText(/Position 0/)).toBeTruthy();
    expect(document.activeElement).toBe(chips[0]);
    fireEvent.keyDown(chips[0]!, { key: 'ArrowLeft' });
    expect(screen.getByText(/Position 0/)).toBeTruthy();
    fireEvent.keyDown(chips[0]!, { key: 'Escape' });
    expect(screen.queryByText(/Position/)).toBeNull();
  });
});

describe('MessageView', () => {
  it('renders Markdown with a copy button on code blocks', async () => {
    const writeText = vi.fn(async () => {});
    Object.defineProperty(navigator, 'clipboard', { value: { writeText }, configurable: true });
    const { container } = render(
      <MessageView
        message={{ key: 'k', role: 'assistant', content: 'Run:\n\n```sh\nmake run\n```' }}
        index={1}
        busy={false}
        isLastAssistant
        onRegenerate={() => {}}
        onEdit={() => {}}
      />,
    );
    expect(container.querySelector('pre.code code')?.textContent).toBe('make run');
    fireEvent.click(screen.getByRole('button', { name: 'Copy code' }));
    await vi.waitFor(() => expect(writeText).toHaveBeenCalledWith('make run'));
    fireEvent.click(screen.getByRole('button', { name: 'Copy' }));
    await vi.waitFor(() => expect(writeText).toHaveBeenLastCalledWith('Run:\n\n```sh\nmake run\n```'));
  });
});

describe('API key', () => {
  it('is sent as a bearer token once set', async () => {
    const seen: (string | null)[] = [];
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init?: RequestInit) => {
        seen.push(new Headers(init?.headers).get('Authorization'));
        return Response.json({ data: [] });
      }),
    );
    await listModels();
    window.localStorage.setItem('inferno.apiKey', JSON.stringify('s3cret'));
    await listModels();
    window.localStorage.removeItem('inferno.apiKey');
    vi.unstubAllGlobals();
    expect(seen).toEqual([null, 'Bearer s3cret']);
  });
});
