/**
 * Known-item search on documentation nobody judged: a check that ranking and
 * citations generalize beyond the two dev sets. For each corpus it ingests a
 * fresh index, draws sections at random (seeded) and asks for each one twice:
 *   name      the section's own heading (a user who knows what the thing is called);
 *   describe  the first sentence of its body with the heading's words taken out
 *             (a user who knows what it does, not its name).
 * The target is that section (grade 2): section Hit@5 says whether the answer
 * cites it, page Hit@5 whether its page is in the first five. Every mode is
 * scored by the same scorer as the dev sets, beside the plain BM25 floor.
 * Queries derived from the text favour lexical matching, so this is a floor
 * check (does docgraph lose content, citations or pages that BM25 finds?),
 * not a measure of paraphrase.
 *
 *   node --import tsx bench/known-item.ts DIR [DIR…] [--per 60] [--seed 1] [--modes bm25-page,bm25-section,graph] [--misses] [--json]
 *   e.g. DIRs from scripts/get-zoo.sh docbook asciidoc and ../shared/eval/get-corpus.sh node
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';
import type { EvalMode, GoldenQuery } from '../src/eval/golden.js';
import { terms as tokenize } from '../src/domain/text.js';
import { prng } from '../src/embed/builtin/linalg.js';

const { values, positionals } = parseArgs({
  options: {
    per: { type: 'string', default: '60' },
    seed: { type: 'string', default: '1' },
    modes: { type: 'string', default: 'bm25-page,bm25-section,graph' },
    json: { type: 'boolean', default: false },
    misses: { type: 'boolean', default: false },
  },
  allowPositionals: true,
});
if (positionals.length === 0) {
  process.stderr.write('usage: node --import tsx bench/known-item.ts DIR [DIR…] [--per 60] [--seed 1] [--modes …] [--json]\n');
  process.exit(2);
}
const per = Number(values.per);
const modes = values.modes!.split(',') as EvalMode[];

interface Candidate {
  uri: string;
  anchor: string;
  heading: string;
  text: string;
}

/** Plain words of a Markdown body: code blocks, marks and links' targets dropped. */
function plain(md: string): string {
  return md
    .replace(/```[\s\S]*?```/g, ' ')
    .replace(/\]\([^)]*\)/g, ']')
    .replace(/[`*_#>[\]|]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

function describe(c: Candidate): string | undefined {
  const named = new Set(tokenize(c.heading));
  const sentence = /^(.{20,}?[.!?])(\s|$)/.exec(plain(c.text))?.[1] ?? plain(c.text);
  const words = sentence.split(' ').filter((w) => !tokenize(w).some((t) => named.has(t)));
  const query = words.slice(0, 20).join(' ');
  return tokenize(query).length >= 4 ? query : undefined;
}

async function candidates(app: App): Promise<Candidate[]> {
  const uriOf = new Map<string, string>();
  const out: Candidate[] = [];
  const headingCount = new Map<string, number>();
  for await (const line of app.export()) {
    const rec = JSON.parse(line) as { kind: string; id: string; uri?: string; docId?: string; anchor?: string; heading?: string; text?: string; part?: number; level?: number };
    if (rec.kind === 'document') uriOf.set(rec.id, rec.uri!);
    else if (rec.kind === 'section' && rec.level! > 0 && rec.anchor && rec.heading && (rec.part ?? 0) <= 1) {
      const key = rec.heading.toLowerCase();
      headingCount.set(key, (headingCount.get(key) ?? 0) + 1);
      if (plain(rec.text ?? '').split(' ').length >= 15) out.push({ uri: uriOf.get(rec.docId!)!, anchor: rec.anchor, heading: rec.heading, text: rec.text ?? '' });
    }
  }
  // a heading that names one section only: "Options" or "Description" on every man page names nothing
  return out.filter((c) => headingCount.get(c.heading.toLowerCase()) === 1 && tokenize(c.heading).length >= 1);
}

const results = [];
const dir = mkdtempSync(join(tmpdir(), 'dg-known-item-'));
try {
  for (const corpus of positionals) {
    const app = await App.open(loadConfig({ overrides: { index: join(dir, `${basename(corpus)}.db`) } }), { create: true });
    try {
      const ingest = await app.ingest(corpus);
      const pool = await candidates(app);
      const next = prng(Number(values.seed));
      const picked: Candidate[] = [];
      while (picked.length < per && pool.length > 0) picked.push(pool.splice(Math.floor(next() * pool.length), 1)[0]!);
      const golden = (kind: 'name' | 'describe'): GoldenQuery[] =>
        picked.flatMap((c, i) => {
          const query = kind === 'name' ? c.heading : describe(c);
          return query ? [{ id: `${kind}-${i}`, intent: kind, query, relevant: [{ doc: c.uri, anchor: c.anchor, grade: 2 }] }] : [];
        });
      const queries = [...golden('name'), ...golden('describe')];
      const report = await app.evaluate(queries, modes, basename(corpus));
      results.push({ corpus, files: ingest.files, sections: ingest.sections, rows: report.rows });
      if (!values.json) {
        console.log(`\n## ${corpus}: ${ingest.files} files, ${ingest.sections} sections, ${queries.length} queries`);
        console.log('| mode | kind | n | nDCG@10 | page Hit@5 | section Hit@5 |\n|---|---|---|---|---|---|');
        for (const r of report.rows) {
          console.log(`| ${r.mode} | ${r.intent} | ${r.queries} | ${r.ndcg10.toFixed(3)} | ${r.hit5.toFixed(3)} | ${r.sectionHit5 === null ? '-' : r.sectionHit5.toFixed(3)} |`);
        }
        if (values.misses) {
          // queries the last mode cites worse (section Hit@5) than the plain BM25 section floor
          const last = modes[modes.length - 1]!;
          const hit = (id: string, mode: EvalMode) => report.perQuery.find((q) => q.id === id && q.mode === mode)?.metrics.sectionHit5 ?? 0;
          for (const q of queries) {
            if (hit(q.id, 'bm25-section') > hit(q.id, last)) console.log(`  miss ${q.id}: "${q.query}" → ${q.relevant[0]!.doc}#${q.relevant[0]!.anchor}`);
          }
        }
      }
    } finally {
      await app.close();
    }
  }
  if (values.json) console.log(JSON.stringify(results, null, 2));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
