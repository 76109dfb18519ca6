import { EMPTY, reduce } from './debugState';
import { cellAt, fitLabel, mapHeads, mapLayers, mapLayout, mapRows, weightAlpha, type PromptMap } from './attentionMap';
import type { ServerMsg } from '../api/debugger';

const map: PromptMap = {
  positions: 3,
  heads: [
    { layer: 1, head: 2, rows: [[1], [0.25, 0.75], [0.1, 0.2, 0.7]] },
    { layer: 0, head: 3, rows: [[1], [0.5, 0.5], [0.3, 0.3, 0.4]] },
    { layer: 0, head: 1, rows: [[1], [0.9, 0.1], [0, 0.5, 0.5]] },
  ],
};

describe('prompt attention map', () => {
  it('picks a head and lists layers and heads ascending', () => {
    expect(mapRows(map, 1, 2)).toEqual([[1], [0.25, 0.75], [0.1, 0.2, 0.7]]);
    expect(mapRows(map, 0, 1)![2]).toEqual([0, 0.5, 0.5]);
    expect(mapRows(map, 1, 1)).toBeUndefined();
    expect(mapRows(undefined, 0, 0)).toBeUndefined();
    expect(mapLayers(map)).toEqual([0, 1]);
    expect(mapHeads(map, 0)).toEqual([1, 3]);
    expect(mapHeads(map, 1)).toEqual([2]);
  });

  it('lays out n×n cells after a label margin, smaller cells for longer prompts', () => {
    const small = mapLayout(3);
    expect(small.cell).toBe(16);
    expect(small.size).toBe(small.margin + 3 * 16);
    expect(small.labelEvery).toBe(1);
    const long = mapLayout(200, 560);
    expect(long.cell).toBe(3);
    expect(long.size).toBe(long.margin + 600);
    expect(long.labelEvery).toBe(4); // a label every 12 px
    expect(mapLayout(0).n).toBe(1);
  });

  it('finds the cell under the pointer, only on the lower triangle', () => {
    const l = mapLayout(3);
    const at = (row: number, col: number) => [l.margin + col * l.cell + 1, l.margin + row * l.cell + l.cell - 1] as const;
    expect(cellAt(l, ...at(2, 0))).toEqual({ row: 2, col: 0 });
    expect(cellAt(l, ...at(1, 1))).toEqual({ row: 1, col: 1 });
    expect(cellAt(l, ...at(0, 1))).toBeNull(); // above the diagonal: the future
    expect(cellAt(l, l.margin - 1, l.margin + 1)).toBeNull(); // on the labels
    expect(cellAt(l, l.margin + 1, l.size + 1)).toBeNull(); // below the last row
  });

  it('maps weights to opacity and fits labels', () => {
    expect(weightAlpha(0)).toBe(0);
    expect(weightAlpha(0.25)).toBe(0.5);
    expect(weightAlpha(1)).toBe(1);
    expect(weightAlpha(Number.NaN)).toBe(0);
    expect(fitLabel('short')).toBe('short');
    expect(fitLabel('a-very-long-token', 6)).toBe('a-ver…');
  });

  it('keeps the map of a session from its probe message', () => {
    const msgs: ServerMsg[] = [
      { type: 'session', session: 's1', id: 'ui-1' },
      { type: 'prompt', session: 's1', tokens: [{ id: 1, text: '<s>' }, { id: 5, text: 'Hi' }, { id: 6, text: '!' }] },
      { type: 'probe', session: 's1', kind: 'attention_prompt', positions: 3, heads: map.heads },
      { type: 'probe', session: 's1', kind: 'logit_lens', position: 3, layers: [] },
    ];
    const st = msgs.reduce(reduce, EMPTY);
    expect(st.sessions.s1!.promptMap).toEqual(map);
    expect(st.sessions.s1!.lens[3]).toEqual([]);
  });
});
