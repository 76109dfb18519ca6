// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { vi } from 'vitest';
import { listModels } from '../api/client';
import { Composer as BareComposer } from './Composer';
import { MessageView } from './MessageView';
import type { UiMessage } from './useChat';
import { TokenStrip } from './TokenView';
import { useAttachments } from './useAttachments';

/** The composer with its own attachments, as ChatView gives it (a model that reads images). */
function Composer(props: Omit<Parameters<typeof BareComposer>[0], 'attachments'> & { visionProblem?: string }) {
  const attachments = useAttachments(props.visionProblem ?? null);
  return <BareComposer {...props} attachments={attachments} />;
}

describe('Composer', () => {
  it('sends on Enter and keeps Shift+Enter for new lines', () => {
    const onSend = vi.fn();
    render(<Composer busy={false} disabled={false} onSend={onSend} onStop={() => {}} />);
    const box = screen.getByLabelText('Message');
    fireEvent.change(box, { target: { value: 'line one' } });
    fireEvent.keyDown(box, { key: 'Enter', shiftKey: true });
    expect(onSend).not.toHaveBeenCalled();
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('line one', []);
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

describe('Composer images', () => {
  const png = (name: string) => new File([new Uint8Array([0x89, 0x50, 0x4e, 0x47])], name, { type: 'image/png' });

  it('attaches by the button, shows thumbnails that can be removed, sends them', async () => {
    const onSend = vi.fn();
    render(<Composer busy={false} disabled={false} onSend={onSend} onStop={() => {}} />);
    fireEvent.change(screen.getByTestId('attach-input'), { target: { files: [png('one.png'), png('two.png')] } });
    expect(await screen.findByAltText('one.png')).toBeTruthy();
    expect(screen.getByAltText('two.png')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Remove one.png' }));
    expect(screen.queryByAltText('one.png')).toBeNull();
    const box = screen.getByLabelText('Message');
    fireEvent.change(box, { target: { value: 'What is it?' } });
    fireEvent.keyDown(box, { key: 'Enter' });
    expect(onSend).toHaveBeenCalledWith('What is it?', ['data:image/png;base64,iVBORw==']);
    expect(screen.queryByAltText('two.png')).toBeNull();
  });

  it('takes a pasted image and leaves pasted text alone', async () => {
    render(<Composer busy={false} disabled={false} onSend={() => {}} onStop={() => {}} />);
    const box = screen.getByLabelText('Message');
    const file = png('');
    fireEvent.paste(box, { clipboardData: { files: [], items: [{ kind: 'file', getAsFile: () => file }] } });
    expect(await screen.findByAltText('pasted image')).toBeTruthy();
    fireEvent.paste(box, { clipboardData: { files: [], items: [{ kind: 'string', getAsFile: () => null }] } });
    expect(screen.getAllByRole('img')).toHaveLength(1);
  });

  it('drops onto the composer and names what it refuses', async () => {
    const { container } = render(<Composer busy={false} disabled={false} onSend={() => {}} onStop={() => {}} />);
    const text = new File(['x'], 'notes.txt', { type: 'text/plain' });
    fireEvent.drop(container.querySelector('form')!, { dataTransfer: { files: [text, png('ok.png')] } });
    expect((await screen.findByRole('alert')).textContent).toMatch('notes.txt is not an image Inferno reads');
    expect(screen.getByAltText('ok.png')).toBeTruthy();
  });

  it('refuses images for a model without vision', async () => {
    render(
      <Composer
        busy={false}
        disabled={false}
        visionProblem="tiny reads no images: it has no vision encoder (mmproj) beside it"
        onSend={() => {}}
        onStop={() => {}}
      />,
    );
    fireEvent.change(screen.getByTestId('attach-input'), { target: { files: [png('a.png')] } });
    expect((await screen.findByRole('alert')).textContent).toBe(
      'tiny reads no images: it has no vision encoder (mmproj) beside it',
    );
    expect(screen.queryByAltText('a.png')).toBeNull();
  });
});

describe('MessageView images', () => {
  it("shows a user message's images as thumbnails", () => {
    const m: UiMessage = { key: 'k', role: 'user', content: 'look', images: ['data:image/png;base64,AA=='] };
    render(
      <MessageView message={m} index={0} busy={false} isLastAssistant={false} onRegenerate={() => {}} onEdit={() => {}} />,
    );
    expect((screen.getByAltText('image 1') as HTMLImageElement).src).toBe('data:image/png;base64,AA==');
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

describe('Thinking block', () => {
  const base: UiMessage = { key: 'a', role: 'assistant', content: '', reasoning: 'Let me see' };
  const view = (m: UiMessage) => (
    <MessageView message={m} index={1} busy={false} isLastAssistant={false} onRegenerate={() => {}} onEdit={() => {}} />
  );

  it('is open with the live reasoning while the model thinks, folded once the answer begins', () => {
    const thinking = { ...base, streaming: true, thinking: { tokens: 3, start: 0, end: 500 } };
    const { rerender } = render(view(thinking));
    const block = screen.getByTestId('thinking') as HTMLDetailsElement;
    expect(block.open).toBe(true);
    expect(block.textContent).toContain('Thinking… · 3 tokens');
    expect(block.textContent).toContain('Let me see');
    expect(screen.queryByText('Waiting for the first token…')).toBeNull();
    rerender(view({ ...thinking, content: 'Hello' }));
    expect((screen.getByTestId('thinking') as HTMLDetailsElement).open).toBe(false);
    expect(screen.getByTestId('thinking').textContent).toContain('Thought for 0.5 s · 3 tokens');
  });

  it('shows a stored message with its duration and token count, folded', () => {
    render(view({ ...base, content: 'Hi', metrics: { tokens: 9, reasoning_tokens: 4, reasoning_ms: 1234 } }));
    const block = screen.getByTestId('thinking') as HTMLDetailsElement;
    expect(block.open).toBe(false);
    expect(block.querySelector('summary')!.textContent).toBe('Thought for 1.2 s · 4 tokens');
  });

  it('is not there for a model that does not think', () => {
    render(view({ ...base, reasoning: undefined, content: 'Hi' }));
    expect(screen.queryByTestId('thinking')).toBeNull();
  });
});
