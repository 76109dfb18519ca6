import { cellAlphas, imageGrid, imageShare, pickHeads } from './imageAttention';

// Six positions: two of text, then a 2x2 image at 2..5.
const image = { first: 2, tokens: 4, rows: 2, cols: 2 };
const heads = [
  { layer: 0, head: 0, weights: [0.2, 0.2, 0.1, 0.2, 0.0, 0.3] },
  { layer: 0, head: 1, weights: [0.5, 0.1, 0.3, 0.0, 0.1, 0.0] },
  { layer: 1, head: 0, weights: [0.0, 0.0, 0.4, 0.4, 0.2, 0.0] },
];

describe('imageAttention', () => {
  it('picks one head, a layer or all', () => {
    expect(pickHeads(heads, { layer: 0, head: 1 })).toEqual([heads[1]]);
    expect(pickHeads(heads, { layer: 0, head: 'mean' })).toEqual([heads[0], heads[1]]);
    expect(pickHeads(heads, { layer: 'mean', head: 'mean' })).toEqual(heads);
  });

  it("reshapes the image's weights to its grid, row-major", () => {
    expect(imageGrid([heads[0]!], image)).toEqual([
      [0.1, 0.2],
      [0.0, 0.3],
    ]);
    const mean = imageGrid([heads[0]!, heads[1]!], image)!;
    expect(mean[0]![0]).toBeCloseTo(0.2);
    expect(mean[0]![1]).toBeCloseTo(0.1);
    expect(mean[1]![0]).toBeCloseTo(0.05);
    expect(mean[1]![1]).toBeCloseTo(0.15);
  });

  it('has no grid when the weights stop before the image ends', () => {
    expect(imageGrid([{ layer: 0, head: 0, weights: [1, 0, 0] }], image)).toBeNull();
    expect(imageGrid([], image)).toBeNull();
  });

  it("gives the image's share and each cell's opacity", () => {
    const grid = imageGrid([heads[2]!], image)!;
    expect(imageShare(grid)).toBeCloseTo(1.0);
    expect(cellAlphas(grid)).toEqual([
      [1, 1],
      [0.5, 0],
    ]);
    expect(cellAlphas([[0, 0]])).toEqual([[0, 0]]);
  });
});
