/**
 * Git sources: a shallow checkout of one ref of a repository in a cache
 * folder, kept current by fetch, with the files that changed between two
 * commits. Runs the real `git` binary. Credentials come only from the
 * environment or git's own helpers: a URL that carries a password is
 * refused, git never prompts, and git's messages are shown with any
 * user-info in URLs blanked out.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { InvalidInputError, DocgraphError } from '../domain/errors.js';

/** A repository location: the URL git is given, the ref to track and the folder of it to index. */
export interface GitLocation {
  url: string;
  /** Branch, tag or commit; default: the remote's HEAD. */
  ref?: string;
  /** Folder inside the repository, with forward slashes, no leading or trailing slash. */
  subdir?: string;
}

/** Longest a git command may run, in ms (a clone of a large repository over a slow link). */
const GIT_TIMEOUT_MS = 10 * 60_000;
const SCHEME = /^(https?|ssh|git|file):\/\//i;
/** scp-like syntax: user@host:path */
const SCP = /^[A-Za-z0-9._-]+@[A-Za-z0-9.-]+:(?!\/\/)/;
const GITHUB = /^github:([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?(?:@([^/\s]+))?(\/.*)?$/;

/**
 * Reads a location as a git repository: any URL git understands (`https://`,
 * `ssh://`, `git://`, `file://`, `user@host:path`) or
 * `github:owner/repo[@ref][/subdir]`; undefined for anything else (a folder).
 * `ref` and `subdir` given apart (flags) win over those in the location.
 */
export function parseGitLocation(location: string, extra: { ref?: string; subdir?: string } = {}): GitLocation | undefined {
  let url: string;
  let ref: string | undefined;
  let subdir: string | undefined;
  const gh = GITHUB.exec(location);
  if (gh) {
    url = `https://github.com/${gh[1]}/${gh[2]}.git`;
    ref = gh[3];
    subdir = gh[4];
  } else if (SCHEME.test(location) || SCP.test(location)) {
    url = location;
  } else {
    return undefined;
  }
  checkNoPassword(url);
  ref = extra.ref ?? ref;
  subdir = cleanSubdir(extra.subdir ?? subdir);
  if (ref !== undefined && (ref === '' || ref.startsWith('-') || /\s|\.\.|[~^:?*[\\]/.test(ref))) {
    throw new InvalidInputError(`"${ref}" is not a git ref docgraph can track`, { field: 'ref', allowed: 'a branch, tag or commit id, e.g. main, v1.2.0 or 3f2c1a9' });
  }
  return { url, ...(ref !== undefined ? { ref } : {}), ...(subdir !== undefined ? { subdir } : {}) };
}

function cleanSubdir(s: string | undefined): string | undefined {
  if (s === undefined) return undefined;
  const t = s.replace(/\\/g, '/').replace(/^\/+|\/+$/g, '');
  if (t === '') return undefined;
  if (t.split('/').some((p) => p === '..' || p === '.')) throw new InvalidInputError(`subdir "${s}" leaves the repository`, { field: 'subdir', allowed: 'a folder inside the repository, e.g. docs' });
  return t;
}

function checkNoPassword(url: string): void {
  let parsed: URL | undefined;
  try {
    parsed = SCHEME.test(url) ? new URL(url) : undefined;
  } catch {
    throw new InvalidInputError(`${redact(url)} is not a URL git can use`, { field: 'location' });
  }
  if (parsed?.password) {
    throw new InvalidInputError(`the repository URL carries a password (${redact(url)})`, {
      field: 'location',
      allowed: 'a URL without credentials; give them through git (a credential helper, an SSH key) or the environment (GIT_ASKPASS, GIT_CONFIG_*)',
    });
  }
}

/** `url` with any user-info blanked out, for messages and logs. */
export function redact(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]*@/gi, '$1***@');
}

/** The label a git location is stored and shown by: the URL, then `#ref` and `:subdir` when given. */
export function gitLocationKey(l: GitLocation): string {
  return `${l.url}${l.ref !== undefined ? `#${l.ref}` : ''}${l.subdir !== undefined ? `:${l.subdir}` : ''}`;
}

/** Runs git with no prompt; fails with git's message (redacted). */
function git(args: readonly string[], cwd?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      args,
      { cwd, timeout: GIT_TIMEOUT_MS, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, GIT_TERMINAL_PROMPT: '0', GIT_ASKPASS: process.env.GIT_ASKPASS ?? '', LC_ALL: 'C' } },
      (error, stdout, stderr) => {
        if (!error) return resolve(stdout);
        const code = (error as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') return reject(new DocgraphError('CONFIG_INVALID', 'git is not installed (git sources run the git binary)', { hint: 'install git, e.g. apt-get install git' }));
        const message = redact(String(stderr || error.message).trim().split('\n').filter((l) => l.trim() !== '').slice(-3).join('; '));
        reject(new DocgraphError('INVALID_INPUT', `git ${args[0]} failed: ${message}`, { retryable: true }));
      },
    );
  });
}

/** What a sync of a checkout did. */
export interface GitSync {
  /** The commit checked out now. */
  revision: string;
  /**
   * Paths (relative to the repository) that differ between `since` and
   * `revision`; undefined when every file must be looked at (a new
   * checkout, or `since` is not known here).
   */
  changed?: string[];
}

/**
 * Brings the checkout in `dir` to the tip of `loc.ref` (shallow: depth 1):
 * clones it first if needed. `since`: the commit indexed last, for the
 * list of changed files.
 */
export async function syncCheckout(loc: GitLocation, dir: string, since: string | null): Promise<GitSync> {
  const fresh = !existsSync(`${dir}/.git`);
  if (fresh) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    await git(['init', '--quiet'], dir);
    await git(['remote', 'add', 'origin', loc.url], dir);
  } else {
    await git(['remote', 'set-url', 'origin', loc.url], dir);
  }
  await git(['fetch', '--quiet', '--depth', '1', '--no-tags', 'origin', loc.ref ?? 'HEAD'], dir);
  const revision = (await git(['rev-parse', 'FETCH_HEAD^{commit}'], dir)).trim();
  await git(['checkout', '--quiet', '--force', '--detach', revision], dir);
  if (fresh || since === null) return { revision };
  if (since === revision) return { revision, changed: [] };
  try {
    // both commits are here (the old one from the fetch before): a diff of their trees, no history needed
    const out = await git(['diff', '--name-only', '--no-renames', '-z', since, revision], dir);
    return { revision, changed: out.split('\0').filter((p) => p !== '') };
  } catch {
    return { revision }; // the old commit is gone (cache cleared): look at everything
  }
}
