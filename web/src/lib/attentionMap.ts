// The prompt×prompt attention map (protocol probe kind `attention_prompt`) as a heatmap:
// choosing a head's rows, laying the lower triangle out on a canvas with token labels on both
// axes, and finding the cell under the pointer. Pure functions, drawn by DebuggerView.

import type { PromptMapHead } from '../api/debugger';

export interface PromptMap {
  positions: number;
  heads: PromptMapHead[];
}

/** The rows of one layer/head, or undefined when the map does not hold it. */
export function mapRows(map: PromptMap | undefined, layer: number, head: number): number[][] | undefined {
  return map?.heads.find((h) => h.layer === layer && h.head === head)?.rows;
}

/** Layers and heads (of a layer) the map holds, ascending. */
export function mapLayers(map: PromptMap | undefined): number[] {
  return [...new Set((map?.heads ?? []).map((h) => h.layer))].sort((a, b) => a - b);
}
export function mapHeads(map: PromptMap | undefined, layer: number): number[] {
  return [...new Set((map?.heads ?? []).filter((h) => h.layer === layer).map((h) => h.head))].sort((a, b) => a - b);
}

export interface MapLayout {
  n: number;
  /** Side of one cell, CSS pixels. */
  cell: number;
  /** Room for the token labels: left of the rows and above the columns. */
  margin: number;
  /** Labels are drawn only when a cell is tall enough to read them; else every `labelEvery`-th. */
  labelEvery: number;
  /** Canvas side: margin + n cells. */
  size: number;
}

/**
 * Cells of 3..16 px so that n of them fit in about `maxPx`; labels get a margin, and when
 * cells are too small for a label each, only every k-th position is labelled.
 */
export function mapLayout(n: number, maxPx = 560): MapLayout {
  const count = Math.max(1, n);
  const cell = Math.max(3, Math.min(16, Math.floor(maxPx / count)));
  const margin = 72;
  const labelEvery = cell >= 10 ? 1 : Math.ceil(10 / cell);
  return { n: count, cell, margin, labelEvery, size: margin + count * cell };
}

/** The cell (query row, key column) at canvas point (x, y), or null off the lower triangle. */
export function cellAt(layout: MapLayout, x: number, y: number): { row: number; col: number } | null {
  const cx = x - layout.margin;
  const cy = y - layout.margin;
  if (cx < 0 || cy < 0) return null;
  const col = Math.floor(cx / layout.cell);
  const row = Math.floor(cy / layout.cell);
  if (row >= layout.n || col > row) return null;
  return { row, col };
}

/** Opacity of a weight in [0, 1]: square root, so that small weights stay visible. */
export function weightAlpha(w: number): number {
  if (!(w > 0)) return 0;
  return Math.min(1, Math.sqrt(w));
}

/** A token label fitted to `max` characters (an ellipsis marks a cut). */
export function fitLabel(text: string, max = 9): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}
