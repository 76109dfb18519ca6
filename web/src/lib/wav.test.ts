import { describe, expect, it } from 'vitest';
import { encodeWav, joinChunks } from './wav';

describe('encodeWav', () => {
  it('writes a RIFF header and clipped 16-bit samples', () => {
    const wav = encodeWav(new Float32Array([0, 0.5, -1, 2]), 48000);
    const v = new DataView(wav.buffer);
    const text = (at: number) => String.fromCharCode(...wav.slice(at, at + 4));
    expect(wav.length).toBe(44 + 8);
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(v.getUint32(4, true)).toBe(wav.length - 8);
    expect(v.getUint16(22, true)).toBe(1);
    expect(v.getUint32(24, true)).toBe(48000);
    expect(v.getUint32(40, true)).toBe(8);
    expect([0, 1, 2, 3].map((i) => v.getInt16(44 + 2 * i, true))).toEqual([0, 16384, -32768, 32767]);
  });
  it('joins recorded chunks in order', () => {
    expect([...joinChunks([new Float32Array([1, 2]), new Float32Array([3])])]).toEqual([1, 2, 3]);
  });
});
