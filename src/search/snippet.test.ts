import { describe, expect, it } from 'vitest';
import { terms } from '../domain/text.js';
import { makeSnippet } from './snippet.js';

const q = (query: string): Set<string> => new Set(terms(query));
const unmarked = (s: string): string => s.replace(/\*\*/g, '');

describe('makeSnippet', () => {
  it('wraps each matching token in ** and keeps the rest as written', () => {
    expect(makeSnippet('Rotate the TLS certificate before it expires.', q('tls certificate'))).toBe(
      'Rotate the **TLS** **certificate** before it expires.',
    );
  });

  it('matches stemmed forms and identifier parts', () => {
    const s = makeSnippet('Rotating certificates: set `server.tls.cert_file` first.', q('rotate certificate cert_file'));
    expect(s).toContain('**Rotating**');
    expect(s).toContain('**certificates**');
    expect(s).toContain('**server.tls.cert_file**');
  });

  it('flattens whitespace, including newlines in code', () => {
    expect(makeSnippet('one\n\n  two\tthree', q('two'))).toBe('one **two** three');
  });

  it('picks the window with the most matches, and marks where it cut', () => {
    const filler = (n: number): string => Array.from({ length: n }, (_, i) => `word${i}`).join(' ');
    const text = `canary ${filler(80)} the canary release checks health and rolls back a canary that fails ${filler(80)}`;
    const s = makeSnippet(text, q('canary health rolls'), 120);
    expect(s.startsWith('…')).toBe(true);
    expect(s.endsWith('…')).toBe(true);
    expect(s).toContain('**canary** release checks **health** and **rolls** back a **canary**');
    expect(unmarked(s).length).toBeLessThanOrEqual(120 + 2);
    expect(text).toContain(unmarked(s).replace(/^…|…$/g, ''));
  });

  it('starts the window at a word boundary a little before the first match', () => {
    const text = 'alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi omicron pi rho sigma tau upsilon phi chi psi omega target';
    const s = makeSnippet(text, q('target'), 60);
    expect(s).toMatch(/^…\S/);
    expect(s).toContain('**target**');
    expect(text).toContain(unmarked(s).replace(/^…|…$/g, ''));
    expect(unmarked(s).replace(/^…/, '').split(' ')[0]).toMatch(/^[a-z]+$/); // a whole word, not a cut one
  });

  it('falls back to the start of the text, cut at a word, when nothing matches', () => {
    const text = 'The agent pulls artifacts, starts the service and runs health checks before reporting to the server.';
    expect(makeSnippet(text, q('kubernetes'), 40)).toBe('The agent pulls artifacts, starts the…');
    expect(makeSnippet('short text', q('kubernetes'))).toBe('short text');
  });

  it('returns the whole text unmarked for an empty query', () => {
    expect(makeSnippet('Deploy with --wait.', new Set())).toBe('Deploy with --wait.');
  });

  it('handles empty text', () => {
    expect(makeSnippet('', q('anything'))).toBe('');
  });
});

describe('makeSnippet: readable cuts', () => {
  it('never ends inside a word', () => {
    const text = 'alpha '.repeat(30) + 'needle ' + 'incomprehensibilities '.repeat(30);
    const s = makeSnippet(text, new Set(['needl']), 120);
    const body = s.replace(/^…/, '').replace(/…$/, '');
    expect(text.replace(/\*\*/g, '')).toContain(body.replace(/\*\*/g, ''));
    expect(body.replace(/\*\*/g, '')).toMatch(/(^|\s)\S+$/);
    expect(text.includes(body.replace(/\*\*/g, '') + ' ') || text.endsWith(body.replace(/\*\*/g, ''))).toBe(true);
  });

  it('keeps the line breaks of a code block', () => {
    const s = makeSnippet('Rotate the key:\n\n```sh\nacme keys rotate\nacme keys list\n```\n\nThen restart.', new Set(['rotat']));
    expect(s).toContain('```sh\nacme keys **rotate**\nacme keys list\n```');
    expect(s.startsWith('**Rotate** the key:')).toBe(true);
  });
});

describe('makeSnippet: starts at a word', () => {
  it('goes back to the beginning rather than cut the first word', () => {
    const s = makeSnippet('`acme-server` serves its API and the agent channel over HTTPS with the certificate in a file. Rotate it before it expires.', new Set(['certif']));
    expect(s.startsWith('`acme-server` serves')).toBe(true);
  });
});
