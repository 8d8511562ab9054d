import { describe, expect, it } from 'vitest';
import { extract } from '../../test/fixtures/extract/harness.js';
import { parseDeclaration, parseSignature } from './api.js';

const FS_MD = [
  '# File system',
  '',
  '## Class: `fs.Dir`',
  '',
  'A class representing a directory stream. Created by `fs.opendir()`.',
  '',
  '### Event: `\'close\'`',
  '',
  'Emitted when the directory is closed.',
  '',
  '### `dir.close(callback)`',
  '',
  'Closes the directory. The `\'close\'` event is emitted afterwards; see also `dir.path`.',
  '',
  '## Class: `fs.ReadStream`',
  '',
  '### Event: `\'close\'`',
  '',
  'Emitted when the stream is closed.',
  '',
  '## `fs.readFile(path[, options], callback)`',
  '',
  'Reads a file. Unlike `fs.readFileSync()`, it does not block.',
  '',
  '```js',
  "fs.readFile('/etc/passwd', (err, data) => {});",
  '```',
  '',
  '## Static method: `Buffer.from(array)`',
  '',
  'Allocates a new `Buffer`.',
  '',
  '## `napi_get_boolean`',
  '',
  '```c',
  'napi_status napi_get_boolean(napi_env env, bool value, napi_value* result)',
  '```',
  '',
  'Returns the JavaScript singleton.',
].join('\n');

describe('API symbols from reference headings', () => {
  const doc = extract('fs.md', FS_MD);

  it('defines classes, methods, functions and static methods without their arguments', () => {
    expect(doc.entity('APISymbol', 'fs.Dir')?.attributes).toEqual({ kind: 'class' });
    expect(doc.entity('APISymbol', 'fs.readFile')?.attributes).toEqual({ kind: 'method', signatures: ['fs.readFile(path[, options], callback)'] });
    expect(doc.entity('APISymbol', 'fs.readFile')?.aliases).toEqual(['fs.readFile()']);
    expect(doc.entity('APISymbol', 'Buffer.from')?.attributes).toMatchObject({ kind: 'method', static: true });
    expect(doc.entity('APISymbol', 'napi_get_boolean')?.attributes).toEqual({ kind: 'function' });
  });

  it('names events after their emitter, so two `close` events stay apart', () => {
    const dirClose = doc.entity('APISymbol', "fs.Dir: 'close'");
    expect(dirClose?.attributes).toEqual({ emitter: 'fs.Dir', event: 'close', kind: 'event' });
    expect(doc.entity('APISymbol', "fs.ReadStream: 'close'")).toBeDefined();
    // an event is related to its class
    const dir = doc.entity('APISymbol', 'fs.Dir')!;
    expect(doc.edgesOf('RELATED_TO', dirClose).some((e) => e.src === dirClose!.id && e.dst === dir.id)).toBe(true);
  });

  it('resolves "the `close` event" to the emitter of the section', () => {
    const dirClose = doc.entity('APISymbol', "fs.Dir: 'close'");
    expect(doc.edgesOf('MENTIONS', dirClose).map((e) => e.src)).toEqual([doc.section('dir.close(callback)').id]);
  });

  it('counts inline references and uses in code examples as mentions', () => {
    expect(doc.names('APISymbol')).toEqual(
      expect.arrayContaining(['fs.opendir', 'fs.readFileSync', 'dir.path', 'dir.close']),
    );
    const readFile = doc.entity('APISymbol', 'fs.readFile');
    expect(doc.edgesOf('MENTIONS', readFile)).toEqual([expect.objectContaining({ src: doc.section('fs.readFile(path[, options], callback)').id, weight: 1 })]);
  });

  it('does not take a bare word for a symbol the document does not define', () => {
    expect(doc.entity('APISymbol', 'Buffer')).toBeUndefined();
  });

  it('resolves a bare class name to the class the document defines', () => {
    const buf = extract('buffer.md', '# Buffer\n\n## Class: `Buffer`\n\nThe `Buffer` class is a global type.\n\n## Other\n\nA `Buffer` is a `Uint8Array`.\n');
    const buffer = buf.entity('APISymbol', 'Buffer');
    expect(buf.edgesOf('MENTIONS', buffer).map((e) => e.weight)).toEqual([1, 1]);
    expect(buf.entity('APISymbol', 'Uint8Array')).toBeUndefined();
  });
});

describe('parseSignature', () => {
  it.each([
    ['fs.readFile(path[, options], callback)', 'fs.readFile', 'method'],
    ['new vm.Script(code[, options])', 'new vm.Script', 'constructor'],
    ['rl[Symbol.asyncIterator]()', 'rl[Symbol.asyncIterator]', 'method'],
    ['buf.length', 'buf.length', 'property'],
    ['net.Server', 'net.Server', 'class'],
    ['require(id)', 'require', 'function'],
  ])('%s → %s (%s)', (raw, name, kind) => {
    const f = parseSignature(raw, 'mentions');
    expect(f?.name).toBe(name);
    expect(f?.attributes?.kind).toBe(kind);
  });

  it.each(['e.g.', 'i.e', 'foo.bar()', 'obj.x', 'a().b()', 'output[1]', 'index.js', 'Node.js', 'example.com', '`${a.b}`', 'x => x.y'])('rejects %s', (raw) => {
    expect(parseSignature(raw, 'mentions')).toBeUndefined();
  });
});

describe('parseDeclaration', () => {
  it.each([
    ['class csv.DictReader(f, fieldnames=None)', 'csv.DictReader', 'class'],
    ['awaitable asyncio.gather(*aws, return_exceptions=False)', 'asyncio.gather', 'method'],
    ['coroutine asyncio.wait(aws, *, timeout=None)', 'asyncio.wait', 'method'],
    ['@functools.lru_cache(user_function)', 'functools.lru_cache', 'method'],
    ['exception UnicodeDecodeError', 'UnicodeDecodeError', 'class'],
    ['class csv.excel', 'csv.excel', 'class'],
    ['PyObject *PyList_New(Py_ssize_t len)', 'PyList_New', 'function'],
    ['const char* PyUnicode_AsUTF8(PyObject *unicode)', 'PyUnicode_AsUTF8', 'function'],
    ['public static String valueOf(int i)', 'valueOf', 'function'],
    ['pub fn new() -> Self', 'new', 'function'],
  ])('%s → %s (%s)', (raw, name, kind) => {
    const f = parseDeclaration(raw, 'defines');
    expect(f?.name).toBe(name);
    expect(f?.attributes?.kind).toBe(kind);
  });

  it('keeps the whole declaration as the signature and marks static members', () => {
    expect(parseDeclaration('classmethod datetime.fromtimestamp(timestamp, tz=None)', 'defines')?.attributes).toEqual({
      kind: 'method',
      static: true,
      signatures: ['classmethod datetime.fromtimestamp(timestamp, tz=None)'],
    });
  });

  it.each(['how to use this(thing)', 'git add', 'int x', 'async with lock', 'wchar_t *pycache_prefix', 'fs.readFile(path)'])('rejects %s', (raw) => {
    expect(parseDeclaration(raw, 'defines')).toBeUndefined();
  });
});

describe('API entries of generated HTML references (Sphinx)', () => {
  const html = [
    '<html><head><title>collections</title></head><body><div role="main">',
    '<section id="module-collections"><h1>collections</h1><p>Container datatypes.</p>',
    '<dl class="py class"><dt class="sig sig-object py" id="collections.Counter"><em class="property">class </em>',
    '<span class="sig-prename">collections.</span><span class="sig-name">Counter</span>(<em>iterable</em>)</dt>',
    '<dd><p>A dict subclass for counting hashable objects.</p>',
    '<dl class="py method"><dt class="sig sig-object py" id="collections.Counter.most_common"><span class="sig-name">most_common</span>(<em>n</em>)</dt>',
    '<dd><p>Return a list of the n most common elements and their counts.</p></dd></dl>',
    '</dd></dl>',
    '<dl class="py function"><dt class="sig sig-object py" id="asyncio.gather"><em class="property">awaitable </em>',
    '<span class="sig-prename">asyncio.</span><span class="sig-name">gather</span>(<em>*aws</em>)</dt>',
    '<dd><p>Run awaitable objects concurrently.</p></dd></dl>',
    '<dl class="c function"><dt class="sig sig-object c" id="c.PyList_New">PyObject *<span class="sig-name">PyList_New</span>(Py_ssize_t len)</dt>',
    '<dd><p>Return a new list of length len.</p></dd></dl>',
    '</section></div></body></html>',
  ].join('');
  const doc = extract('library/collections.html', html);

  it('defines entries whose heading declares them before the name', () => {
    expect(doc.entity('APISymbol', 'collections.Counter')?.attributes?.kind).toBe('class');
    expect(doc.edgesOf('DEFINES', doc.entity('APISymbol', 'asyncio.gather'))).toHaveLength(1);
    expect(doc.edgesOf('DEFINES', doc.entity('APISymbol', 'PyList_New'))).toHaveLength(1);
  });

  it("names a member by its owner when the entry's anchor spells the qualified name", () => {
    const member = doc.entity('APISymbol', 'collections.Counter.most_common');
    expect(doc.edgesOf('DEFINES', member)).toHaveLength(1);
    expect(member?.aliases).toEqual(expect.arrayContaining(['most_common', 'most_common()', 'collections.Counter.most_common()']));
    // a domain prefix in the id (`c.`) is not an owner
    expect(doc.entity('APISymbol', 'c.PyList_New')).toBeUndefined();
  });
});

describe('inline API mentions', () => {
  it('takes reference-style code and leaves bare method names and values alone', () => {
    const doc = extract(
      'notes.md',
      '# Notes\n\nCall `util.inspect()` or `require()`; `emit()` alone, `true`, `null`, `string` and `v18.0.0` are not symbols, nor is `./src/index.js`.\n' +
        'Iterate with `rl[Symbol.asyncIterator]()`; `args[token.index]` is an expression.\n',
    );
    expect(doc.names('APISymbol')).toEqual(['require', 'rl[Symbol.asyncIterator]', 'util.inspect']);
  });
});
