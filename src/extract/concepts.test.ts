import { describe, expect, it } from 'vitest';
import { extract } from '../../test/fixtures/extract/harness.js';

describe('concepts', () => {
  it('defines a concept by a heading whose section opens by defining it', () => {
    const doc = extract(
      'cli.md',
      [
        '# CLI',
        '',
        '## Program entry point',
        '',
        'The program entry point is a specifier-like string. It names the program entry point file.',
        '',
        '## Common Objects',
        '',
        'The common objects are shared by all of the API variants.',
      ].join('\n'),
    );
    const c = doc.entity('Concept', 'program entry point');
    expect(c?.attributes).toEqual({ definition: 'The program entry point is a specifier-like string.' });
    expect(c?.aliases).toEqual(['Program entry point', 'program entry points']);
    // "are shared by" describes, it does not define
    expect(doc.names('Concept')).toEqual(['program entry point']);
    // the phrase in the body is a mention
    expect(doc.edgesOf('MENTIONS', c).map((e) => e.weight)).toEqual([2]);
  });

  it('matches the heading in the opening sentence: article or not, plural, any case, any spacing', () => {
    const defined = (heading: string, sentence: string): string[] =>
      extract('t.md', `# T\n\n## ${heading}\n\n${sentence} It is used widely.\n`).names('Concept');
    expect(defined('Event loop', 'The event  loops are the core of Node.js.')).toEqual(['event loop']);
    expect(defined('Worker pool', 'WORKER POOLS\trefer to threads kept for later.')).toEqual(['worker pool']);
    expect(defined('Task queue', 'A task queue is a list of callbacks.')).toEqual(['task queue']);
    expect(defined('Task queue', 'Task queue means a list of callbacks.')).toEqual(['task queue']);
    // the heading's words must be whole: no other letters after them
    expect(defined('Worker pool', 'The worker poolside is a place for threads.')).toEqual([]);
    expect(defined('Task queue', 'A task queueing is a way to wait.')).toEqual([]);
    // a defining verb right after the term, not later
    expect(defined('Task queue', 'A task queue, which holds callbacks, is a list.')).toEqual([]);
  });

  it('reads emphasised terms followed by a definition', () => {
    const doc = extract('addons.md', '# Addons\n\n_Addons_ are dynamically-linked shared objects written in C++.\n\nMost addons are built with node-gyp.\n');
    expect(doc.entity('Concept', 'addon')?.attributes.definition).toBe('_Addons_ are dynamically-linked shared objects written in C++.');
    expect(doc.edgesOf('MENTIONS', doc.entity('Concept', 'addon')).map((e) => e.weight)).toEqual([2]);
  });

  it('reads glossaries: entries, headings and "An X is" sentences', () => {
    const doc = extract(
      'glossary.md',
      [
        '# Glossary',
        '',
        '* **Event loop**: the loop that runs callbacks.',
        '* **Tick**: one turn of the event loop.',
        '',
        'An asynchronous resource represents an object with a callback.',
        '',
        '## ALPN and SNI',
        '',
        'TLS handshake extensions.',
      ].join('\n'),
    );
    expect(doc.names('Concept')).toEqual(['ALPN', 'SNI', 'asynchronous resource', 'event loop', 'tick']);
  });

  it('reads definition lists (an HTML dl) and Markdown-extra definitions', () => {
    const html = extract(
      'terms.html',
      '<html><body><h1>Terms</h1><dl><dt>Worker process</dt><dd>A process that serves requests.</dd><dt>Master process</dt><dd>The process that reads the configuration.</dd></dl></body></html>',
    );
    expect(html.names('Concept')).toEqual(['master process', 'worker process']);
    expect(html.entity('Concept', 'worker process')?.attributes.definition).toBe('A process that serves requests.');
    const md = extract('terms.md', '# Terms\n\nShard\n: A horizontal partition of the data.\n');
    expect(md.names('Concept')).toEqual(['shard']);
  });

  it('does not take headings that are not defined, or generic ones', () => {
    const doc = extract('x.md', '# Overview\n\nThis is an overview.\n\n## Usage\n\nUsage is simple.\n\n## Streams\n\nSome text about streams.\n');
    expect(doc.names('Concept')).toEqual([]);
  });
});
