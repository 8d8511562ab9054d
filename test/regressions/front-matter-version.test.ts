// Guards the front-matter version as written: YAML reads `version: 1.10` as
// the number 1.1, which used to be stored (and filtered on) as "1.1".
import { describe, expect, it } from 'vitest';
import { parseMarkdown } from '../../src/parse/markdown.js';

const versionOf = (yaml: string): unknown => parseMarkdown('a.md', `---\n${yaml}\n---\ntext\n`).meta.version;

describe('regression: front-matter version keeps its text', () => {
  it.each([
    ['version: 1.10', '1.10'],
    ['version: 2.0', '2.0'],
    ['version: 01.2', '01.2'],
    ['version: "1.10"', '1.10'],
    ['version: 3', '3'],
    ['version: v1.10.3', 'v1.10.3'],
  ])('%s → %s', (yaml, expected) => {
    expect(versionOf(yaml)).toBe(expected);
  });

  it('drops an empty or non-scalar version instead of storing "null" or "1,2"', () => {
    expect(versionOf('version:')).toBeUndefined();
    expect(versionOf('version: [1, 2]')).toBeUndefined();
  });
});
