// A generated token's attention over an image's tokens, as a grid over the picture: the
// weights of one head (or the mean of the captured heads of a layer, or of all) at the image's
// positions, reshaped to the projector's rows×cols.

import type { AttentionHead, PromptImage } from '../api/debugger';

/** Which heads: one layer's one head, a layer's mean, or the mean over every captured head. */
export type HeadChoice = { layer: number; head: number } | { layer: number; head: 'mean' } | { layer: 'mean'; head: 'mean' };

/** The heads `choice` names among `heads`. */
export function pickHeads(heads: AttentionHead[], choice: HeadChoice): AttentionHead[] {
  return heads.filter(
    (h) => (choice.layer === 'mean' || h.layer === choice.layer) && (choice.head === 'mean' || h.head === choice.head),
  );
}

/**
 * Rows × cols of weights (row-major from the picture's top-left), the mean over `heads` of
 * each one's weight at the image's positions; null when no head reaches the image (a weights
 * vector shorter than its last position).
 */
export function imageGrid(heads: AttentionHead[], image: PromptImage): number[][] | null {
  const usable = heads.filter((h) => h.weights.length >= image.first + image.tokens);
  if (!usable.length) return null;
  const grid: number[][] = [];
  for (let r = 0; r < image.rows; r++) {
    const row: number[] = [];
    for (let c = 0; c < image.cols; c++) {
      const pos = image.first + r * image.cols + c;
      row.push(usable.reduce((sum, h) => sum + h.weights[pos]!, 0) / usable.length);
    }
    grid.push(row);
  }
  return grid;
}

/** The share of the token's attention that went to the image (0..1). */
export function imageShare(grid: number[][]): number {
  return grid.reduce((sum, row) => sum + row.reduce((a, b) => a + b, 0), 0);
}

/** Each cell's opacity: its weight over the grid's largest (0 everywhere when all are 0). */
export function cellAlphas(grid: number[][]): number[][] {
  const max = Math.max(0, ...grid.flat());
  return grid.map((row) => row.map((w) => (max > 0 ? w / max : 0)));
}
