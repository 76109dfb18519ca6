// The debugger's view of an image in the prompt: its tokens as the projector's patch grid laid
// on the picture, and for the selected generated token the attention over them as a heatmap
// (one head, a layer's mean, or the mean of every captured head).

import { useState } from 'react';
import type { AttentionHead, PromptImage } from '../api/debugger';
import { cellAlphas, imageGrid, imageShare, pickHeads, type HeadChoice } from '../lib/imageAttention';

interface Props {
  /** The picture as sent (a data URL); none: the grid alone. */
  url?: string;
  image: PromptImage;
  index: number;
  /** The selected token's captured heads; none: only the grid. */
  heads?: AttentionHead[];
  /** The selected token's text, for the caption. */
  tokenText?: string;
}

const MEAN = 'mean';

export function ImageHeatmap({ url, image, index, heads, tokenText }: Props) {
  const [layer, setLayer] = useState<number | typeof MEAN>(MEAN);
  const [head, setHead] = useState<number | typeof MEAN>(MEAN);
  const layers = [...new Set((heads ?? []).map((h) => h.layer))].sort((a, b) => a - b);
  const headsOfLayer = [...new Set((heads ?? []).filter((h) => layer === MEAN || h.layer === layer).map((h) => h.head))].sort(
    (a, b) => a - b,
  );
  const choice: HeadChoice =
    layer === MEAN ? { layer: MEAN, head: MEAN } : head === MEAN ? { layer, head: MEAN } : { layer, head };
  const grid = heads ? imageGrid(pickHeads(heads, choice), image) : null;
  const alphas = grid ? cellAlphas(grid) : null;
  return (
    <figure className="image-heatmap" aria-label={`Image ${index + 1} attention`}>
      <figcaption>
        Image {index + 1}: {image.rows}×{image.cols} grid, {image.tokens} tokens at positions {image.first}–
        {image.first + image.tokens - 1}
        {grid && (
          <>
            {' · '}
            <span data-testid="image-share">
              {(imageShare(grid) * 100).toFixed(1)}% of the attention of {tokenText ? `“${tokenText}”` : 'the token'}
            </span>
          </>
        )}
      </figcaption>
      {heads && heads.length > 0 && (
        <div className="heatmap-controls">
          <label>
            layer{' '}
            <select
              aria-label="Image layer"
              value={String(layer)}
              onChange={(e) => {
                setLayer(e.target.value === MEAN ? MEAN : Number(e.target.value));
                setHead(MEAN);
              }}
            >
              <option value={MEAN}>all (mean)</option>
              {layers.map((l) => (
                <option key={l} value={l}>
                  {l}
                </option>
              ))}
            </select>
          </label>
          <label>
            head{' '}
            <select
              aria-label="Image head"
              value={String(head)}
              disabled={layer === MEAN}
              onChange={(e) => setHead(e.target.value === MEAN ? MEAN : Number(e.target.value))}
            >
              <option value={MEAN}>mean</option>
              {headsOfLayer.map((h) => (
                <option key={h} value={h}>
                  {h}
                </option>
              ))}
            </select>
          </label>
        </div>
      )}
      <div className="heatmap-box">
        {url && <img src={url} alt={`Image ${index + 1}`} />}
        <div
          className="heatmap-grid"
          style={{ gridTemplateColumns: `repeat(${image.cols}, 1fr)`, gridTemplateRows: `repeat(${image.rows}, 1fr)` }}
        >
          {Array.from({ length: image.rows * image.cols }, (_, i) => {
            const r = Math.floor(i / image.cols);
            const c = i % image.cols;
            const a = alphas?.[r]?.[c] ?? 0;
            const w = grid?.[r]?.[c];
            return (
              <div
                key={i}
                className="heatmap-cell"
                data-testid="heatmap-cell"
                data-alpha={(a * 0.8).toFixed(3)}
                style={{ background: `rgba(255, 64, 0, ${(a * 0.8).toFixed(3)})` }}
                title={`row ${r}, column ${c}, position ${image.first + i}${w !== undefined ? `: ${w.toFixed(4)}` : ''}`}
              />
            );
          })}
        </div>
      </div>
    </figure>
  );
}
