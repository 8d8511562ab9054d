import { describe, expect, it } from 'vitest';
import { globMatcher } from './globs.js';

describe('globMatcher', () => {
  it('matches names at any depth, folders with what is under them, and ** across folders', () => {
    const m = globMatcher(['*.draft.md', 'drafts', 'api/**/internal-*.md', 'notes/?.md']);
    expect(m('a.draft.md')).toBe(true);
    expect(m('guide/deep/b.draft.md')).toBe(true);
    expect(m('guide/b.md')).toBe(false);
    expect(m('drafts/x.md')).toBe(true);
    expect(m('guide/drafts/x.md')).toBe(true);
    expect(m('api/internal-x.md')).toBe(true);
    expect(m('api/v1/v2/internal-x.md')).toBe(true);
    expect(m('api/v1/public.md')).toBe(false);
    expect(m('notes/a.md')).toBe(true);
    expect(m('notes/ab.md')).toBe(false);
    expect(globMatcher([])('anything.md')).toBe(false);
  });

  it('treats regex characters literally and * never crosses a slash', () => {
    const m = globMatcher(['docs/v1.0/*.md']);
    expect(m('docs/v1.0/a.md')).toBe(true);
    expect(m('docs/v1x0/a.md')).toBe(false);
    expect(m('docs/v1.0/sub/a.md')).toBe(false);
  });
});
