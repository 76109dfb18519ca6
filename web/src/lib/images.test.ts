// @vitest-environment jsdom
import { imageFileProblem, MAX_IMAGE_BYTES, MAX_IMAGES, readImageFiles, transferFiles, visionProblem } from './images';
import { toApiMessages, userContent } from './tools';

const png = (name = 'a.png', bytes = [0x89, 0x50, 0x4e, 0x47]) => new File([new Uint8Array(bytes)], name, { type: 'image/png' });

describe('images', () => {
  it('accepts the types the engine decodes, within the size limit', () => {
    expect(imageFileProblem({ name: 'a.jpg', type: 'image/jpeg', size: 1000 })).toBeNull();
    expect(imageFileProblem({ name: 'a.webp', type: 'image/webp', size: MAX_IMAGE_BYTES })).toBeNull();
    expect(imageFileProblem({ name: 'notes.txt', type: 'text/plain', size: 10 })).toBe(
      'notes.txt is not an image Inferno reads (PNG, JPEG, WebP or GIF): it is text/plain',
    );
    expect(imageFileProblem({ name: 'a.bmp', type: 'image/bmp', size: 10 })).toMatch(/is not an image Inferno reads/);
    expect(imageFileProblem({ name: 'big.png', type: 'image/png', size: MAX_IMAGE_BYTES + 1 })).toBe(
      'big.png is 8.0 MiB; an image may be at most 8.0 MiB',
    );
  });

  it('says when the model reads no images', () => {
    expect(visionProblem('gemma3', ['completion', 'vision'])).toBeNull();
    expect(visionProblem('llama', ['completion'])).toBe(
      'llama reads no images: it has no vision encoder (mmproj) beside it',
    );
    expect(visionProblem('llama', undefined)).toMatch(/reads no images/);
    expect(visionProblem('', ['vision'])).toBe('Choose a model before attaching images');
  });

  it('reads files as data URLs and refuses the rest, one message each', async () => {
    const text = new File(['hi'], 'x.txt', { type: 'text/plain' });
    const r = await readImageFiles([png(), text], 0);
    expect(r.attachments).toEqual([{ url: 'data:image/png;base64,iVBORw==', name: 'a.png', size: 4 }]);
    expect(r.errors).toEqual(['x.txt is not an image Inferno reads (PNG, JPEG, WebP or GIF): it is text/plain']);
    const full = await readImageFiles([png('b.png'), png('c.png')], MAX_IMAGES - 1);
    expect(full.attachments.map((a) => a.name)).toEqual(['b.png']);
    expect(full.errors).toEqual([`A message takes at most ${MAX_IMAGES} images`]);
  });

  it('takes files from a drop or from clipboard items', () => {
    const f = png();
    expect(transferFiles(null)).toEqual([]);
    expect(transferFiles({ files: [f], items: [] } as unknown as DataTransfer)).toEqual([f]);
    const items = [
      { kind: 'string', getAsFile: () => null },
      { kind: 'file', getAsFile: () => f },
    ];
    expect(transferFiles({ files: [], items } as unknown as DataTransfer)).toEqual([f]);
  });

  it('sends a user turn with images as image_url parts before its text', () => {
    expect(userContent('hi')).toBe('hi');
    expect(userContent('What is it?', ['data:image/png;base64,AA=='])).toEqual([
      { type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } },
      { type: 'text', text: 'What is it?' },
    ]);
    const msgs = toApiMessages([
      { role: 'user', content: 'look', images: ['data:image/png;base64,AA=='] },
      { role: 'assistant', content: 'a square' },
    ]);
    expect(msgs[0]!.content).toEqual(userContent('look', ['data:image/png;base64,AA==']));
    expect(msgs[1]!.content).toBe('a square');
  });
});
