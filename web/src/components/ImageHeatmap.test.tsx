// @vitest-environment jsdom
import { fireEvent, render, screen } from '@testing-library/react';
import { ImageHeatmap } from './ImageHeatmap';

const image = { first: 1, tokens: 4, rows: 2, cols: 2 };
const heads = [
  { layer: 0, head: 0, weights: [0.6, 0.4, 0.0, 0.0, 0.0] },
  { layer: 0, head: 1, weights: [0.0, 0.0, 0.0, 0.0, 1.0] },
  { layer: 1, head: 0, weights: [0.2, 0.0, 0.2, 0.2, 0.4] },
];

const alpha = (cell: HTMLElement) => Number(cell.dataset.alpha);

describe('ImageHeatmap', () => {
  it("shows the image's tokens as its grid, without attention before a token is chosen", () => {
    render(<ImageHeatmap url="data:image/png;base64,AA==" image={image} index={0} />);
    expect(screen.getByText(/Image 1: 2×2 grid, 4 tokens at positions 1–\s*4/)).toBeTruthy();
    const cells = screen.getAllByTestId('heatmap-cell');
    expect(cells).toHaveLength(4);
    expect(cells.map(alpha)).toEqual([0, 0, 0, 0]);
    expect(cells[3]!.title).toBe('row 1, column 1, position 4');
    expect((screen.getByAltText('Image 1') as HTMLImageElement).src).toBe('data:image/png;base64,AA==');
  });

  it('lays the mean over every head on the cells, then one layer and one head', () => {
    render(<ImageHeatmap image={image} index={0} heads={heads} tokenText=" red" />);
    // Mean of the three heads at positions 1..4: 0.1333, 0.0667, 0.0667, 0.4667 (the largest: 0.8).
    let cells = screen.getAllByTestId('heatmap-cell');
    expect(cells.map(alpha)).toEqual([0.229, 0.114, 0.114, 0.8]);
    expect(screen.getByTestId('image-share').textContent).toBe('73.3% of the attention of “ red”');
    fireEvent.change(screen.getByLabelText('Image layer'), { target: { value: '0' } });
    fireEvent.change(screen.getByLabelText('Image head'), { target: { value: '1' } });
    cells = screen.getAllByTestId('heatmap-cell');
    expect(cells.map(alpha)).toEqual([0, 0, 0, 0.8]);
    expect(cells[3]!.title).toBe('row 1, column 1, position 4: 1.0000');
    fireEvent.change(screen.getByLabelText('Image head'), { target: { value: '0' } });
    expect(screen.getAllByTestId('heatmap-cell').map(alpha)).toEqual([0.8, 0, 0, 0]);
  });
});
