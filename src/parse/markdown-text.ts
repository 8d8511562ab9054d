import type { Handle, State, Unsafe } from 'mdast-util-to-markdown';

/**
 * mdast-util-to-markdown's `text` handler, with the same output and less
 * work: its `safe` runs every one of about fifty "unsafe" patterns (GFM
 * included) as a regular expression over every text node, and was the
 * hottest function of HTML conversion. Every pattern matches only where its
 * `character` occurs, so a pattern whose character is absent from the text
 * (with the characters before and after it) cannot match, nor can one that
 * needs a line break next to it in a text without one; `safe` is called
 * with the other patterns only. The escaping itself stays the library's own
 * (`state.safe`, on a view of the state with the shorter list).
 */
export const textHandle: Handle = (node, parent, state, info) => {
  const siblings = parent && 'children' in parent ? (parent.children as unknown[]) : [];
  const index = state.indexStack[state.indexStack.length - 1]!;
  const config = { ...info, afterNode: siblings[index + 1], beforeNode: siblings[index - 1] } as Parameters<State['safe']>[1];
  const value = (node as { value: string }).value;
  const view = patternView(state, (config.before ?? '') + value + (config.after ?? ''));
  return state.safe.call(view, value, config);
};

interface PatternIndex {
  /** By character code (all pattern characters are ASCII): the pattern character's slot, or -1. */
  slotOf: Int8Array;
  /** Per slot: the patterns with that character, and the patterns that need a line break in the text as well. */
  slots: { plain: Unsafe[]; needsBreak: Unsafe[] }[];
  /** By the slots present (and whether a line break is): a view of the state with only their patterns. */
  views: Map<string, State>;
}

/** One index per state's pattern list (a fresh list per toMarkdown call). */
const indexes = new WeakMap<Unsafe[], PatternIndex | null>();

const LINE_BREAK = new Set(['[\\r\\n]', '\\r', '\\n']);

/**
 * A pattern whose expression cannot match without a CR or LF in the text:
 * one at a break (`[\r\n][\t ]*` before the character), or one whose
 * context before or after is a line break (unless anchored to a node, which
 * replaces that context with `^` or `$`).
 */
function needsBreak(p: Unsafe): boolean {
  if (!p.beforeNode && (p.atBreak || (typeof p.before === 'string' && LINE_BREAK.has(p.before)))) return true;
  return !p.afterNode && typeof p.after === 'string' && LINE_BREAK.has(p.after);
}

function indexOf(unsafe: Unsafe[]): PatternIndex | null {
  let index = indexes.get(unsafe);
  if (index !== undefined) return index;
  index = { slotOf: new Int8Array(128).fill(-1), slots: [], views: new Map() };
  for (const p of unsafe) {
    const code = p.character.length === 1 ? p.character.charCodeAt(0) : 128;
    if (code >= 128 || index.slots.length >= 127) {
      index = null; // not the library's patterns as we know them: no filtering
      break;
    }
    if (index.slotOf[code] === -1) {
      index.slotOf[code] = index.slots.length;
      index.slots.push({ plain: [], needsBreak: [] });
    }
    const slot = index.slots[index.slotOf[code]!]!;
    (needsBreak(p) ? slot.needsBreak : slot.plain).push(p);
  }
  indexes.set(unsafe, index);
  return index;
}

const present = new Uint8Array(128);

function patternView(state: State, subject: string): State {
  const index = indexOf(state.unsafe);
  if (index === null) return state;
  const { slotOf, slots, views } = index;
  present.fill(0, 0, slots.length);
  let lineBreak = false;
  for (let i = 0; i < subject.length; i++) {
    const code = subject.charCodeAt(i);
    if (code < 128 && slotOf[code]! >= 0) present[slotOf[code]!] = 1;
    if (code === 10 || code === 13) lineBreak = true;
  }
  let key = lineBreak ? '|' : '';
  for (let s = 0; s < slots.length; s++) if (present[s] === 1) key += String.fromCharCode(65 + s);
  let view = views.get(key);
  if (view === undefined) {
    const keep = new Set<Unsafe>();
    for (let s = 0; s < slots.length; s++) {
      if (present[s] !== 1) continue;
      for (const p of slots[s]!.plain) keep.add(p);
      if (lineBreak) for (const p of slots[s]!.needsBreak) keep.add(p);
    }
    view = Object.create(state, { unsafe: { value: state.unsafe.filter((p) => keep.has(p)) } }) as State;
    views.set(key, view);
  }
  return view;
}
