// The stylesheet is plain CSS without nesting: a rule opened inside another rule is a missing
// brace. Browsers accept nesting now, so such a slip does not show as an error; the rules after
// it silently match nothing (a merge once left `.plugin-panel iframe {` open, and the image
// thumbnails and the Debugger's image heatmap lost their styles).
import { describe, expect, it } from 'vitest';
// Vite's ?raw import: the file's text, in the test runner as in the build.
import css from './styles.css?raw';

/** Each block's opening context: an at-rule's name ("@media") or a selector. */
function blocks(css: string): { depth: number; head: string; parent: string | null }[] {
  const out: { depth: number; head: string; parent: string | null }[] = [];
  const stack: string[] = [];
  let head = '';
  for (let i = 0; i < css.length; i++) {
    const c = css[i];
    if (c === '/' && css[i + 1] === '*') {
      const end = css.indexOf('*/', i + 2);
      i = end < 0 ? css.length : end + 1;
    } else if (c === '"' || c === "'") {
      const end = css.indexOf(c, i + 1);
      head += css.slice(i, end + 1);
      i = end;
    } else if (c === '{') {
      const h = head.trim();
      out.push({ depth: stack.length, head: h, parent: stack.at(-1) ?? null });
      stack.push(h);
      head = '';
    } else if (c === '}') {
      if (stack.length === 0) throw new Error(`unmatched } at offset ${i}`);
      stack.pop();
      head = '';
    } else if (c === ';') {
      head = '';
    } else {
      head += c;
    }
  }
  if (stack.length > 0) throw new Error(`unclosed block: ${stack.at(-1)}`);
  return out;
}

describe('styles.css', () => {
  it('closes every block and nests rules only in at-rules', () => {
    const nested = blocks(css).filter((b) => b.parent !== null && !b.parent.startsWith('@'));
    expect(nested.map((b) => `${b.head} inside ${b.parent}`)).toEqual([]);
  });

  it('the checker finds a rule left open', () => {
    expect(() => blocks('.a { color: red;\n.b { color: blue; }')).toThrow(/unclosed block: \.a/);
    const open = blocks('.a { color: red;\n.b { color: blue; } }');
    expect(open.filter((b) => b.parent === '.a').map((b) => b.head)).toEqual(['.b']);
  });
});
