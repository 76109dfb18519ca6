// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { vi } from 'vitest';
import type { DebugSession } from '../lib/debugState';
import { addRouterRows } from '../lib/router';
import { RouterPanel } from './DebugRouter';

function session(router?: DebugSession['router']): DebugSession {
  return {
    id: 's1',
    prompt: [
      { id: 1, text: 'Hi' },
      { id: 2, text: ' there' },
    ],
    tokens: [],
    attention: {},
    lens: {},
    router,
    state: 'done',
    indexOffset: 0,
  };
}

describe('RouterPanel', () => {
  it('draws the chosen experts of the picked layer per token', () => {
    const router = addRouterRows(undefined, [
      { position: 0, layer: 0, experts: [3, 1], weights: [0.75, 0.25] },
      { position: 0, layer: 1, experts: [0, 2], weights: [0.5, 0.5] },
      { position: 1, layer: 0, experts: [1, 5], weights: [0.6, 0.4] },
      { position: 1, layer: 1, experts: [2, 0], weights: [0.9, 0.1] },
    ]);
    const onLayer = vi.fn();
    render(<RouterPanel session={session(router)} layer={0} onLayer={onLayer} selectedPosition={1} />);
    const map = screen.getByTestId('router-map');
    expect(map.getAttribute('aria-label')).toBe('Expert routing of layer 0: 6 experts × 2 tokens');
    expect(map.querySelectorAll('rect')).toHaveLength(4);
    expect(map.querySelectorAll('rect.sel')).toHaveLength(2);
    expect(map.textContent).toContain('Hi (#0) → expert 3, choice 1, weight 0.750');
    expect(map.textContent).toContain('expert 1: chosen for 2 of 2 tokens');
    fireEvent.change(screen.getByLabelText('MoE layer'), { target: { value: '1' } });
    expect(onLayer).toHaveBeenCalledWith(1);
  });

  it('says so for a model without MoE layers', () => {
    render(<RouterPanel session={session({})} layer={0} onLayer={() => {}} />);
    expect(screen.getByText(/no mixture-of-experts layers/)).toBeTruthy();
  });
});
