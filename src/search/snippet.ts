import { terms } from '../domain/text.js';

const TOKEN = /(?:--?)?[\p{L}\p{N}_$][\p{L}\p{N}_$.\-:/]*[\p{L}\p{N}_$]|[\p{L}\p{N}_$]/gu;

/**
 * The window of `text` (about `width` characters) holding the most query
 * terms, with each matching token wrapped in `**`. Falls back to the start of
 * the text when nothing matches.
 */
export function makeSnippet(text: string, queryTerms: ReadonlySet<string>, width = 240): string {
  const flat = flatten(text);
  const matches: { start: number; end: number }[] = [];
  // a long section repeats its words: each distinct token is tokenized once
  const isMatch = new Map<string, boolean>();
  for (const m of flat.matchAll(TOKEN)) {
    let hit = isMatch.get(m[0]);
    if (hit === undefined) {
      hit = terms(m[0]).some((t) => queryTerms.has(t));
      isMatch.set(m[0], hit);
    }
    if (hit) matches.push({ start: m.index, end: m.index + m[0].length });
  }
  if (matches.length === 0) return clip(flat, 0, width);
  // slide a window over match starts; keep the one covering the most matches
  let best = 0;
  let bestCount = 0;
  let j = 0;
  for (let i = 0; i < matches.length; i++) {
    while (j < matches.length && matches[j]!.end - matches[i]!.start <= width) j++;
    if (j - i > bestCount) {
      bestCount = j - i;
      best = i;
    }
  }
  const first = matches[best]!;
  let start = Math.max(0, first.start - Math.floor(width / 4));
  // start at a word: after the space before the window, or at the very beginning
  const space = flat.lastIndexOf(' ', start);
  if (start > 0 && first.start - (space + 1) < width / 2) start = space + 1;
  const end = wordEnd(flat, Math.min(flat.length, start + width), start + Math.floor(width / 2));
  let out = '';
  let at = start;
  for (const m of matches) {
    if (m.start < start || m.end > end) continue;
    out += flat.slice(at, m.start) + '**' + flat.slice(m.start, m.end) + '**';
    at = m.end;
  }
  out += flat.slice(at, end);
  return (start > 0 ? '…' : '') + out + (end < flat.length ? '…' : '');
}

function clip(s: string, start: number, width: number): string {
  if (s.length <= width) return s;
  return s.slice(start, wordEnd(s, width, Math.floor(width / 2))) + '…';
}

const FENCE = /(`{3,}|~{3,})[^\n]*\n[\s\S]*?(?:\n\1[^\n]*|$)/g;

/** Prose on one line; code blocks keep their line breaks (a snippet of code stays readable). */
function flatten(text: string): string {
  let out = '';
  let at = 0;
  for (const m of text.matchAll(FENCE)) {
    out += text.slice(at, m.index).replace(/\s+/g, ' ');
    const code = m[0].split('\n').map((l) => l.trimEnd()).filter((l, i, all) => l !== '' || (i > 0 && all[i - 1] !== ''));
    out += (out.endsWith(' ') || out === '' ? '' : ' ') + code.join('\n') + ' ';
    at = m.index + m[0].length;
  }
  return (out + text.slice(at).replace(/\s+/g, ' ')).replace(/ +/g, ' ').trim();
}

/** `end` moved back to a word boundary (not before `min`), so a snippet never ends inside a word. */
function wordEnd(s: string, end: number, min: number): number {
  if (end >= s.length || /\s/.test(s[end]!) || /\s/.test(s[end - 1]!)) return end;
  for (let i = end - 1; i > min; i--) if (/\s/.test(s[i]!)) return i;
  return end;
}
