import { describe, expect, it } from 'vitest';
import { documentId } from '../domain/ids.js';
import { extract, inputOf, SOURCE } from '../../test/fixtures/extract/harness.js';
import { extractDocument, resolverFromSections } from './extract.js';

const DOC = [
  '# Errors',
  '',
  'See [the CLI](cli.md#--max-old-space-sizesize), [the CLI page](cli.md) and [below](#err_require_esm).',
  '',
  '## `ERR_REQUIRE_ESM`',
  '',
  'Thrown by `require()` for an ES module. `require()` cannot load it; use `import()` or `--experimental-require-module`.',
  '',
  '```console',
  '$ node --experimental-require-module app.js',
  '```',
  '',
  '## `ERR_INVALID_ARG_TYPE`',
  '',
  'Unlike `ERR_REQUIRE_ESM`, this one is about types. See [ERR_REQUIRE_ESM](#err_require_esm) and [again](#err_require_esm).',
].join('\n');

describe('extractDocument', () => {
  it('is deterministic: the same input twice gives deep-equal output', () => {
    const input = inputOf('errors.md', DOC);
    const a = extractDocument(input);
    const b = extractDocument(structuredClone(input));
    expect(b).toEqual(a);
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('emits sorted entities and edges, without duplicates', () => {
    const { entities, edges } = extract('errors.md', DOC);
    expect(entities.map((e) => e.id)).toEqual([...new Set(entities.map((e) => e.id))].sort());
    const keys = edges.map((e) => `${e.type}|${e.src}|${e.dst}`);
    expect(new Set(keys).size).toBe(keys.length);
    expect(keys).toEqual([...keys].sort());
  });

  it('emits no entity without an edge (the store removes orphans; so must we not create them)', () => {
    const { entities, edges } = extract('errors.md', DOC);
    const touched = new Set(edges.flatMap((e) => [e.src, e.dst]));
    expect(entities.filter((e) => !touched.has(e.id))).toEqual([]);
  });

  it('counts mentions per section and never inflates', () => {
    const doc = extract('errors.md', DOC);
    const req = doc.entity('APISymbol', 'require')!;
    expect(doc.edgesOf('MENTIONS', req)).toEqual([{ src: doc.section('ERR_REQUIRE_ESM').id, dst: req.id, type: 'MENTIONS', weight: 2, evidence: doc.section('ERR_REQUIRE_ESM').id }]);
    const again = extract('errors.md', DOC);
    expect(again.edgesOf('MENTIONS', again.entity('APISymbol', 'require'))[0]?.weight).toBe(2);
  });

  it('relates what a section defines to what it names', () => {
    const doc = extract('errors.md', DOC);
    const code = doc.entity('ErrorCode', 'ERR_REQUIRE_ESM')!;
    const related = doc.edgesOf('RELATED_TO', code).filter((e) => e.src === code.id);
    const names = related.map((e) => doc.entities.find((x) => x.id === e.dst)?.name).sort();
    expect(names).toEqual(['--experimental-require-module', 'import', 'node', 'require']);
    expect(related.find((e) => doc.entities.find((x) => x.id === e.dst)?.name === '--experimental-require-module')?.weight).toBe(2);
  });

  it('builds the section tree: HAS_SECTION, PARENT_OF, NEXT', () => {
    const doc = extract('errors.md', DOC);
    const [top, first, second] = doc.input.sections;
    const struct = doc.edges.filter((e) => ['HAS_SECTION', 'PARENT_OF', 'NEXT'].includes(e.type)).map((e) => [e.type, e.src, e.dst]);
    expect(struct.sort()).toEqual(
      [
        ['HAS_SECTION', doc.input.docId, top!.id],
        ['NEXT', first!.id, second!.id],
        ['NEXT', top!.id, first!.id],
        ['PARENT_OF', top!.id, first!.id],
        ['PARENT_OF', top!.id, second!.id],
      ].sort(),
    );
  });

  describe('LINKS_TO', () => {
    it('resolves anchors in the same document and counts repeated links', () => {
      const doc = extract('errors.md', DOC);
      const target = doc.section('ERR_REQUIRE_ESM').id;
      const links = doc.edges.filter((e) => e.type === 'LINKS_TO' && e.dst === target);
      expect(links.map((e) => [e.src, e.weight]).sort()).toEqual(
        [
          [doc.section('Errors').id, 1],
          [doc.section('ERR_INVALID_ARG_TYPE').id, 2],
        ].sort(),
      );
    });

    it('points at the target document when the resolver cannot name a section', () => {
      const doc = extract('errors.md', DOC);
      const cli = documentId(SOURCE, 'cli.md');
      expect(doc.edges.filter((e) => e.type === 'LINKS_TO' && e.dst === cli)).toEqual([
        { src: doc.section('Errors').id, dst: cli, type: 'LINKS_TO', weight: 2, evidence: doc.section('Errors').id },
      ]);
    });

    it('asks the resolver for sections of other documents', () => {
      const asked: [string, string | undefined][] = [];
      const doc = extract('errors.md', DOC, (uri, anchor) => {
        asked.push([uri, anchor]);
        return anchor ? 's_cli_flag' : undefined;
      });
      expect(asked).toEqual([
        ['cli.md', '--max-old-space-sizesize'],
        ['cli.md', undefined],
      ]);
      const out = doc.edges.filter((e) => e.type === 'LINKS_TO' && e.src === doc.section('Errors').id).map((e) => [e.dst, e.weight]);
      expect(out.sort()).toEqual([[documentId(SOURCE, 'cli.md'), 1], ['s_cli_flag', 1], [doc.section('ERR_REQUIRE_ESM').id, 1]].sort());
    });
  });

  it('extracts nothing from prose words, versions, paths, URLs and numbers in backticks', () => {
    const doc = extract(
      'noise.md',
      [
        '# Notes',
        '',
        'Returns `true`, `false`, `null` or `undefined`; `foo` is a `string`.',
        'Added in `v18.0.0` (see `18.x`). Edit `/etc/hosts` or `./src/index.js` and `package.json`.',
        'Visit `https://example.com/docs` or `www.example.com`. Set it to `1000`, `0x1F` or `512MB`.',
      ].join('\n'),
    );
    expect(doc.entities).toEqual([]);
  });
});

describe('resolverFromSections', () => {
  it('resolves anchors of other documents in a batch, case-insensitively, and nothing without an anchor', () => {
    const cli = inputOf('cli.md', '# CLI\n\n## `--max-old-space-size=SIZE`\n\nSets the heap size.\n');
    const resolve = resolverFromSections([cli]);
    const flag = cli.sections.find((s) => s.heading.includes('max-old'))!;
    expect(resolve('cli.md', flag.anchor)).toBe(flag.id);
    expect(resolve('cli.md', flag.anchor.toUpperCase())).toBe(flag.id);
    expect(resolve('cli.md', undefined)).toBeUndefined();
    expect(resolve('cli.md', 'nope')).toBeUndefined();
    expect(resolve('other.md', flag.anchor)).toBeUndefined();

    const doc = extract('errors.md', DOC, resolve);
    expect(doc.edges.some((e) => e.type === 'LINKS_TO' && e.dst === flag.id)).toBe(true);
  });
});

describe('Extraction.untypedNames', () => {
  const LONG_NAME = 'make' + 'Bigger'.repeat(20); // 124 characters: code, not a name
  const GUIDE = [
    '# Modules guide',
    '',
    '## Paths',
    '',
    'Use `__dirname` to find the folder of the current module: `__dirname` never ends with a slash.',
    'Call `getLogger()` once and pass `getLogger` around.',
    'Settings take `true`, `123` or `0x1F`; read `./path/file.js` or `https://example.com/x`, and `keep it simple`.',
    `Do not write \`${LONG_NAME}\`.`,
    '',
    '## Files',
    '',
    'Join `__dirname` with the file name and put it in a `Buffer`.',
    '',
    '## Class: `Buffer`',
    '',
    'A `Buffer` holds bytes.',
  ].join('\n');
  const doc = extract('guide.md', GUIDE);
  const paths = doc.section('Paths').id;
  const files = doc.section('Files').id;

  it('lists a name no rule types and the document does not define, per section, with its count', () => {
    expect(doc.entities.some((e) => e.name === '__dirname')).toBe(false);
    expect(doc.untypedNames.filter((m) => m.name === '__dirname')).toEqual(
      [
        { sectionId: paths, name: '__dirname', count: 2 },
        { sectionId: files, name: '__dirname', count: 1 },
      ].sort((a, b) => (a.sectionId < b.sectionId ? -1 : 1)),
    );
  });

  it('counts a call and its bare name as one name', () => {
    expect(doc.untypedNames.filter((m) => m.name.startsWith('getLogger'))).toEqual([{ sectionId: paths, name: 'getLogger', count: 2 }]);
  });

  it('leaves out values, numbers, paths, URLs, phrases and spans too long to be a name', () => {
    expect(doc.untypedNames.map((m) => m.name).sort()).toEqual(['__dirname', '__dirname', 'getLogger']);
  });

  it('leaves out a name the document itself defines, resolved in the second pass', () => {
    // the control: without its definition, `Buffer` is an untyped name
    const alone = extract('guide.md', GUIDE.slice(0, GUIDE.indexOf('## Class')));
    expect(alone.untypedNames).toContainEqual({ sectionId: alone.section('Files').id, name: 'Buffer', count: 1 });

    const buffer = doc.entity('APISymbol', 'Buffer');
    expect(doc.edgesOf('MENTIONS', buffer).map((e) => e.src)).toContain(files);
    expect(doc.untypedNames.map((m) => m.name)).not.toContain('Buffer');
  });

  it('is sorted by section, then name, and the same on every run', () => {
    const keys = doc.untypedNames.map((m) => `${m.sectionId} ${m.name}`);
    expect(keys).toEqual([...keys].sort());
    const again = extractDocument(structuredClone(doc.input));
    expect(again.untypedNames).toEqual(doc.untypedNames);
    expect(JSON.stringify(again.untypedNames)).toBe(JSON.stringify(doc.untypedNames));
  });
});
