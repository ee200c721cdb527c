import { describe, expect, test } from 'vitest';
import { headings, renderTerminal, slugify } from './markdown.ts';

const doc = `# 01 · Title

Some *text* with \`code\` and a [link](https://example.com).

## Steps

- one
- two

\`\`\`js
const x = 1;
\`\`\`

| A | B |
|---|---|
| a1 | b1 |
`;

describe('renderTerminal', () => {
  test('plain text when colours are off: no escape codes, structure kept', () => {
    const out = renderTerminal(doc, { color: false, width: 80 });
    expect(out).not.toMatch(/\x1b\[/);
    expect(out).toMatch(/^01 · Title\n═+$/m);
    expect(out).toContain('Some text with `code` and a link (https://example.com).');
    expect(out).toMatch(/^• one$/m);
    expect(out).toMatch(/^ {2}─ js\n {4}const x = 1;$/m);
    expect(out).toMatch(/^A {2}│ B $/m);
    expect(out).toMatch(/^a1 │ b1$/m);
  });

  test('colours on: ANSI styling', () => {
    expect(renderTerminal(doc, { color: true, width: 80 })).toMatch(/\x1b\[1m/);
  });

  test('a table wider than the terminal becomes one block per row', () => {
    const wide = `| Name | Meaning |\n|---|---|\n| DATABASE_URL | ${'a long explanation '.repeat(6)}|\n`;
    const out = renderTerminal(wide, { color: false, width: 60 });
    expect(out).toMatch(/^• DATABASE_URL$/m);
    expect(out).toMatch(/^ {2}Meaning: a long explanation/m);
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(60);
  });

  test('an autolink is printed once; a named link shows its address after the text', () => {
    const out = renderTerminal('See <https://kind.sigs.k8s.io/> and [the docs](https://example.com/docs).\n', { color: false, width: 80 });
    expect(out.match(/kind\.sigs\.k8s\.io/g)).toHaveLength(1);
    expect(out).toContain('the docs (https://example.com/docs)');
  });

  test('inline code is never split across lines when a paragraph wraps', () => {
    const out = renderTerminal(`${'word '.repeat(7)}run \`npm run verify -- 3 --no-cluster --json\` now.\n`, { color: false, width: 50 });
    expect(out).toContain('`npm run verify -- 3 --no-cluster --json`');
    expect(out).not.toContain('\u0000');
  });

  test('paragraphs wrap at the width', () => {
    const out = renderTerminal('word '.repeat(60), { color: false, width: 40 });
    expect(Math.max(...out.split('\n').map((l) => l.length))).toBeLessThanOrEqual(40);
  });
});

test('heading anchors match the links checks use', () => {
  expect(slugify('5. Document it in .env.example')).toBe('5-document-it-in-envexample');
  expect(headings(doc).map((h) => h.anchor)).toEqual(['01--title', 'steps']);
});
