/**
 * The judged query sets the quality benches read (bench/eval.ts,
 * bench/mcp-eval.ts, bench/tune.ts), each with the corpus it is judged on.
 * The dev sets sit beside the shared scorer (../shared/eval); the held-out
 * sets are ours, over corpora of the generator zoo (scripts/get-zoo.sh), and
 * were written before any ranking on them was read: checks, never tuned on.
 */
import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '..', '..');
const shared = resolve(repo, '..', 'shared', 'eval');
const fixtures = join(repo, 'test', 'fixtures', 'eval');

export interface EvalSet {
  /** Golden files judged on this corpus; the first is the set's own, `name` labels it in tables. */
  goldens: { name: string; path: string }[];
  /** Fetches the corpus if needed and returns its folder. */
  corpus: () => string;
  heldOut: boolean;
}

/** Runs a corpus script and returns the folder it prints. */
function folder(script: string, arg: string): string {
  return execFileSync(script, [arg], { encoding: 'utf8' }).trim();
}

export const EVAL_SETS: Record<string, EvalSet> = {
  node: {
    goldens: [
      { name: 'node', path: join(shared, 'node-dev-golden.jsonl') },
      { name: 'config', path: join(fixtures, 'node-config-heldout.jsonl') },
    ],
    corpus: () => folder(join(shared, 'get-corpus.sh'), 'node'),
    heldOut: false,
  },
  python: {
    goldens: [{ name: 'python', path: join(shared, 'python-dev-golden.jsonl') }],
    corpus: () => folder(join(shared, 'get-corpus.sh'), 'python'),
    heldOut: false,
  },
  postgresql: {
    goldens: [{ name: 'postgresql', path: join(fixtures, 'postgresql-heldout.jsonl') }],
    corpus: () => folder(join(repo, 'scripts', 'get-zoo.sh'), 'postgresql'),
    heldOut: true,
  },
  git: {
    goldens: [{ name: 'git', path: join(fixtures, 'git-heldout.jsonl') }],
    corpus: () => folder(join(repo, 'scripts', 'get-zoo.sh'), 'asciidoc'),
    heldOut: true,
  },
};

/** The set of that name, or an error naming the sets there are. */
export function evalSet(name: string): EvalSet {
  const set = EVAL_SETS[name];
  if (!set) throw new Error(`unknown set ${name} (${Object.keys(EVAL_SETS).join(', ')})`);
  return set;
}
