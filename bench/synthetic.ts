/**
 * A large synthetic corpus made by recombining real paragraphs and headings
 * of a Markdown corpus (the Node.js docs): realistic vocabulary, code blocks
 * and heading shapes, at any size. Deterministic for a given seed.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { prng } from '../src/embed/builtin/linalg.js';

export interface SyntheticOptions {
  files: number;
  /** Headings per file, the title included; each gets a body, so each is one section. */
  sectionsPerFile: number;
  seed: number;
}

export interface SyntheticCorpus {
  dir: string;
  files: number;
  /** Headings written (= sections, unless a body is long enough to be split). */
  headings: number;
  bytes: number;
  /** Distinct source paragraphs drawn from. */
  paragraphs: number;
}

interface Pool {
  titles: string[];
  headings: string[];
  paragraphs: string[];
}

/** Body blocks longer than this are not used, so sections stay under the split threshold (400 tokens ≈ 1,600 chars). */
const MAX_PARAGRAPH = 1000;
const MAX_BODY = 1500;

/** Collects titles (H1), headings (H2–H4) and body blocks (paragraphs, lists, tables, whole code blocks) from Markdown files. */
export function readPool(sourceDir: string): Pool {
  const pool: Pool = { titles: [], headings: [], paragraphs: [] };
  const names = readdirSync(sourceDir).filter((n) => n.endsWith('.md')).sort();
  for (const name of names) {
    const md = readFileSync(join(sourceDir, name), 'utf8').replace(/<!--[\s\S]*?-->/g, '');
    let block: string[] = [];
    let fence: string | undefined;
    const flush = (): void => {
      const text = block.join('\n').trim();
      block = [];
      if (text.length < 40 || text.length > MAX_PARAGRAPH) return;
      if (text.split('\n').every((l) => /^\[[^\]]+\]:\s/.test(l))) return; // link reference definitions
      if (text.startsWith('<')) return; // raw HTML: a block such as <pre> may run past this paragraph and swallow headings
      pool.paragraphs.push(text);
    };
    for (const line of md.split('\n')) {
      const marker = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
      if (fence) {
        block.push(line);
        if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
        continue;
      }
      if (marker) {
        fence = marker;
        block.push(line);
        continue;
      }
      const heading = /^(#{1,6})\s+(.+?)\s*#*\s*$/.exec(line);
      if (heading) {
        flush();
        const level = heading[1]!.length;
        if (level === 1) pool.titles.push(heading[2]!);
        else if (level <= 4) pool.headings.push(heading[2]!);
        continue;
      }
      if (line.trim() === '') flush();
      else block.push(line);
    }
    flush();
  }
  if (pool.titles.length === 0 || pool.headings.length === 0 || pool.paragraphs.length === 0) {
    throw new Error(`${sourceDir} has too little Markdown to build a synthetic corpus from`);
  }
  return pool;
}

/** Writes `files` Markdown files of `sectionsPerFile` sections each into `outDir` (in folders of 100 files). */
export function writeSyntheticCorpus(sourceDir: string, outDir: string, options: SyntheticOptions): SyntheticCorpus {
  const pool = readPool(sourceDir);
  let bytes = 0;
  let headings = 0;
  for (let f = 0; f < options.files; f++) {
    const rand = prng(options.seed * 1_000_003 + f);
    const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)]!;
    const title = pick(pool.titles);
    const lines: string[] = [`# ${title}`, ''];
    let level = 1;
    for (let s = 0; s < options.sectionsPerFile; s++) {
      if (s > 0) {
        // a plausible outline: mostly ## and ###, some ####, never skipping a level on the way down
        const r = rand();
        if (level <= 2) level = s === 1 || r < 0.4 ? 2 : 3;
        else if (level === 3) level = r < 0.35 ? 2 : r < 0.8 ? 3 : 4;
        else level = r < 0.3 ? 2 : r < 0.7 ? 3 : 4;
        lines.push(`${'#'.repeat(level)} ${pick(pool.headings)}`, '');
      }
      const r = rand();
      const want = r < 0.3 ? 1 : r < 0.65 ? 2 : r < 0.9 ? 3 : 4;
      let body = 0;
      for (let p = 0; p < want; p++) {
        const para = pick(pool.paragraphs);
        if (p > 0 && body + para.length > MAX_BODY) break;
        lines.push(para, '');
        body += para.length;
      }
      headings++;
    }
    const dir = join(outDir, `part-${String(Math.floor(f / 100)).padStart(3, '0')}`);
    if (f % 100 === 0) mkdirSync(dir, { recursive: true });
    const slug = title.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'doc';
    const text = lines.join('\n');
    writeFileSync(join(dir, `${slug}-${f}.md`), text);
    bytes += Buffer.byteLength(text);
  }
  return { dir: outDir, files: options.files, headings, bytes, paragraphs: pool.paragraphs.length };
}
