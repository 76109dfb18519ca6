// The router probe of MoE models as the debugger shows it: per token position, the experts each
// layer chose and their weights; for one layer, an experts × tokens grid.

import type { RouterRow } from '../api/debugger';

/** `rows` merged into the rows by position (a position's rows are replaced by newer ones). */
export function addRouterRows(
  byPosition: Record<number, RouterRow[]> | undefined,
  rows: RouterRow[],
): Record<number, RouterRow[]> {
  const out: Record<number, RouterRow[]> = { ...byPosition };
  const fresh = new Set<number>();
  for (const r of rows) {
    if (!fresh.has(r.position)) {
      fresh.add(r.position);
      out[r.position] = [];
    }
    out[r.position] = [...out[r.position]!, r];
  }
  return out;
}

/** The MoE layers the rows cover, ascending. */
export function routerLayers(byPosition: Record<number, RouterRow[]> | undefined): number[] {
  const layers = new Set<number>();
  for (const rows of Object.values(byPosition ?? {})) for (const r of rows) layers.add(r.layer);
  return [...layers].sort((a, b) => a - b);
}

export interface RouterCell {
  /** Index in `positions`. */
  col: number;
  expert: number;
  weight: number;
  /** 0 = the router's first choice. */
  rank: number;
}

/** One layer's routing: the token positions in order, how many expert rows to draw, the cells. */
export interface RouterGrid {
  positions: number[];
  /** Highest expert id seen + 1 (the server does not send the model's expert count). */
  experts: number;
  cells: RouterCell[];
  /** How many tokens chose each expert (its load), indexed by expert id. */
  load: number[];
}

export function routerGrid(byPosition: Record<number, RouterRow[]> | undefined, layer: number): RouterGrid {
  const positions = Object.keys(byPosition ?? {})
    .map(Number)
    .filter((p) => byPosition![p]!.some((r) => r.layer === layer))
    .sort((a, b) => a - b);
  const cells: RouterCell[] = [];
  let experts = 0;
  positions.forEach((p, col) => {
    const row = byPosition![p]!.find((r) => r.layer === layer)!;
    row.experts.forEach((expert, rank) => {
      experts = Math.max(experts, expert + 1);
      cells.push({ col, expert, weight: row.weights[rank] ?? 0, rank });
    });
  });
  const load = new Array<number>(experts).fill(0);
  for (const c of cells) load[c.expert]!++;
  return { positions, experts, cells, load };
}
