/**
 * Near-duplicate hits: the same text published on several pages. Man pages
 * built from shared includes (git's diff options are in git-diff, git-log,
 * git-show, git-format-patch and four more), command lists repeated on an
 * index page and the main page, versioned or mirrored copies of one guide.
 * Without this, one passage fills half the list under different addresses
 * and pushes the next-best answer off the first five.
 *
 * Two sections are near-duplicates when at least half of the shorter one's
 * five-word shingles (runs of five consecutive words, case folded) also occur
 * in the other. Short texts (under five words) have no shingles and are
 * never duplicates; sections of one page are never duplicates of each other.
 */

const SHINGLE = 5;
/** Share of the shorter text's shingles that must recur in the other. */
export const DUPLICATE_OVERLAP = 0.5;
const WORD = /[\p{L}\p{N}]+/gu;

/** The distinct five-word shingles of a text, hashed to numbers. */
export function shingles(text: string): Set<number> {
  const words = text.toLowerCase().match(WORD) ?? [];
  const out = new Set<number>();
  for (let i = 0; i + SHINGLE <= words.length; i++) out.add(hash(words, i));
  return out;
}

/** Share of the smaller set's members found in the other (0 when either is empty). */
export function overlap(a: ReadonlySet<number>, b: ReadonlySet<number>): number {
  const [small, large] = a.size <= b.size ? [a, b] : [b, a];
  if (small.size === 0) return 0;
  let shared = 0;
  for (const x of small) if (large.has(x)) shared++;
  return shared / small.size;
}

/**
 * `ordered` without the hits that repeat a better-ranked hit of another
 * document, up to `want` hits. `shinglesOf` returns a hit's shingles (see
 * `shingles`; undefined: text unknown, kept and compared with nothing).
 */
export function withoutNearDuplicates<T>(ordered: readonly T[], docOf: (c: T) => string, shinglesOf: (c: T) => ReadonlySet<number> | undefined, want: number): T[] {
  const kept: { c: T; doc: string; shingles: ReadonlySet<number> }[] = [];
  for (const c of ordered) {
    if (kept.length >= want) break;
    const doc = docOf(c);
    const own = shinglesOf(c) ?? NONE;
    if (own.size > 0 && kept.some((k) => k.doc !== doc && overlap(k.shingles, own) >= DUPLICATE_OVERLAP)) continue;
    kept.push({ c, doc, shingles: own });
  }
  return kept.map((k) => k.c);
}
const NONE: ReadonlySet<number> = new Set();

/** FNV-1a over the five words starting at `from`, separated by a space. */
function hash(words: readonly string[], from: number): number {
  let h = 0x811c9dc5;
  for (let w = from; w < from + SHINGLE; w++) {
    const word = words[w]!;
    for (let i = 0; i < word.length; i++) h = Math.imul(h ^ word.charCodeAt(i), 0x01000193);
    h = Math.imul(h ^ 0x20, 0x01000193);
  }
  return h >>> 0;
}
