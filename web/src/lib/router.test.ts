import { describe, expect, it } from 'vitest';
import type { RouterRow } from '../api/debugger';
import { addRouterRows, routerGrid, routerLayers } from './router';

const row = (position: number, layer: number, experts: number[], weights: number[]): RouterRow => ({
  position,
  layer,
  experts,
  weights,
});

describe('router probe', () => {
  it('keeps rows by position, a later message replacing a position it repeats', () => {
    let byPos = addRouterRows(undefined, [row(0, 0, [1, 2], [0.6, 0.4]), row(0, 1, [3, 0], [0.5, 0.5]), row(1, 0, [2, 1], [0.7, 0.3])]);
    // The first token's router message repeats the last prompt position.
    byPos = addRouterRows(byPos, [row(1, 0, [2, 1], [0.7, 0.3]), row(1, 1, [0, 3], [0.9, 0.1])]);
    expect(byPos[0]).toHaveLength(2);
    expect(byPos[1]).toHaveLength(2);
    expect(routerLayers(byPos)).toEqual([0, 1]);
  });

  it('builds one layer as an experts × tokens grid with each expert load', () => {
    const byPos = addRouterRows(undefined, [
      row(0, 0, [1, 2], [0.6, 0.4]),
      row(1, 0, [2, 5], [0.7, 0.3]),
      row(1, 1, [0, 3], [0.9, 0.1]),
    ]);
    const g = routerGrid(byPos, 0);
    expect(g.positions).toEqual([0, 1]);
    expect(g.experts).toBe(6);
    expect(g.cells).toContainEqual({ col: 1, expert: 2, weight: 0.7, rank: 0 });
    expect(g.load).toEqual([0, 1, 2, 0, 0, 1]);
    expect(routerGrid(byPos, 1).positions).toEqual([1]);
    expect(routerGrid(undefined, 0).cells).toEqual([]);
  });
});
