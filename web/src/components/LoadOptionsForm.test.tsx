// @vitest-environment jsdom
import { fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, vi } from 'vitest';
import { LoadOptionsForm } from './LoadOptionsForm';

const base = {
  id: 'sub/tiny',
  context_size: 2048,
  threads: 2,
  loaded: true,
  defaults: { context_size: 2048, threads: 2 },
  limits: { context_size: { min: 16, max: 2048 }, threads: { min: 1, max: 4 } },
};

afterEach(() => vi.unstubAllGlobals());

describe('LoadOptionsForm', () => {
  it('shows the ranges, sends the change, says reloading… then the effective values', async () => {
    let release: (r: Response) => void = () => {};
    const fetchMock = vi.fn((url: string, init?: RequestInit) => {
      expect(url).toBe('/api/models/sub/tiny/options');
      if (init?.method === 'PUT') {
        expect(JSON.parse(String(init.body))).toEqual({ context_size: 64, threads: 1 });
        return new Promise<Response>((r) => (release = r));
      }
      return Promise.resolve(Response.json(base));
    });
    vi.stubGlobal('fetch', fetchMock);
    const onApplied = vi.fn();
    render(<LoadOptionsForm model="sub/tiny" onApplied={onApplied} />);
    const ctx = (await screen.findByLabelText('Context size')) as HTMLInputElement;
    expect(ctx.value).toBe('2048');
    expect(ctx.min).toBe('16');
    expect(ctx.max).toBe('2048');
    expect(screen.getByText(/16–2048 tokens/)).toBeTruthy();
    const apply = screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement;
    expect(apply.disabled).toBe(true); // nothing changed yet

    fireEvent.change(ctx, { target: { value: '64' } });
    fireEvent.change(screen.getByLabelText('Threads'), { target: { value: '1' } });
    expect(apply.disabled).toBe(false);
    fireEvent.click(apply);
    expect((await screen.findByTestId('load-status')).textContent).toBe('reloading…');
    release(Response.json({ ...base, context_size: 64, threads: 1, reloaded: true }));
    await waitFor(() =>
      expect(screen.getByTestId('load-status').textContent).toBe('Reloaded: 64 tokens of context, 1 thread.'),
    );
    expect(screen.getByTestId('effective-options').textContent).toBe('In effect: 64 tokens · 1 thread');
    expect(onApplied).toHaveBeenCalledWith(expect.objectContaining({ context_size: 64, reloaded: true }));
  });

  it('blocks values outside the range and shows the server refusal readably', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (_url: string, init?: RequestInit) =>
        init?.method === 'PUT'
          ? Response.json(
              { error: { message: 'threads must be between 1 and 4, got 3', param: 'threads', code: 'invalid_value' } },
              { status: 400 },
            )
          : Response.json(base),
      ),
    );
    render(<LoadOptionsForm model="sub/tiny" />);
    const ctx = await screen.findByLabelText('Context size');
    fireEvent.change(ctx, { target: { value: '4096' } });
    expect(screen.getByText('Context size must be a whole number from 16 to 2048 tokens')).toBeTruthy();
    expect((screen.getByRole('button', { name: 'Apply' }) as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(ctx, { target: { value: '512' } });
    fireEvent.click(screen.getByRole('button', { name: 'Apply' }));
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Changing the model options was refused (HTTP 400): threads must be between 1 and 4, got 3',
    );
    expect(screen.getByTestId('effective-options').textContent).toBe('In effect: 2048 tokens · 2 threads');
  });

  it('explains the start-up flags on a server without the route', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => Response.json({ error: { message: 'no such API route: GET /api/models/x/options' } }, { status: 404 })),
    );
    render(<LoadOptionsForm model="x" />);
    expect((await screen.findByText(/sets them when it starts/)).textContent).toContain('inferno serve -c N -t N');
  });
});
