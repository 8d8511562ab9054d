/**
 * Source names and versions, and how a reference names one:
 * `name[@version]:path#anchor`. Pure rules, shared by every interface.
 */
import { InvalidInputError } from './errors.js';

/** What a source name may be: a letter or digit, then letters, digits, `.`, `_`, `-` (at most 100). */
export const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
/** What a version may be: a letter or digit, then letters, digits, `.`, `_`, `+`, `-` (at most 100). */
export const SOURCE_VERSION = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,99}$/;

/** `name` or `name@version`: how a source is shown and named on the command line. */
export function sourceLabel(s: { name: string; version: string | null }): string {
  return s.version === null ? s.name : `${s.name}@${s.version}`;
}

/** Checks a name given by a user; INVALID_INPUT saying what is allowed. */
export function checkSourceName(name: string, field = 'name'): string {
  if (!SOURCE_NAME.test(name)) {
    throw new InvalidInputError(`"${name}" is not a valid source name`, { field, allowed: 'a letter or digit, then letters, digits, ".", "_" or "-" (at most 100), e.g. react-router' });
  }
  return name;
}

/** Checks a version given by a user; INVALID_INPUT saying what is allowed. */
export function checkSourceVersion(version: string, field = 'version'): string {
  if (!SOURCE_VERSION.test(version)) {
    throw new InvalidInputError(`"${version}" is not a valid source version`, { field, allowed: 'a letter or digit, then letters, digits, ".", "_", "+" or "-" (at most 100), e.g. 6.2 or v18.0.0' });
  }
  return version;
}

/** `NAME` or `NAME@VERSION` as a user writes it (`docgraph remove react@18`). */
export function parseSourceSpec(spec: string, field = 'source'): { name: string; version?: string } {
  const at = spec.indexOf('@');
  if (at < 0) return { name: checkSourceName(spec, field) };
  return { name: checkSourceName(spec.slice(0, at), field), version: checkSourceVersion(spec.slice(at + 1), field) };
}

/**
 * The name a folder source gets when none is given: the folder's own name,
 * with anything a name may not hold turned into `-` (`My Docs` → `My-Docs`);
 * `docs` for a name with nothing left.
 */
export function folderSourceName(location: string): string {
  const base = location.replace(/[\\/]+$/, '').split(/[\\/]/).pop() ?? '';
  const cleaned = base.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[^A-Za-z0-9]+/, '').slice(0, 100);
  return cleaned === '' ? 'docs' : cleaned;
}

/** A name not in `taken`: `base`, else `base-2`, `base-3` ... */
export function freeName(base: string, taken: ReadonlySet<string>): string {
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) {
    const candidate = `${base.slice(0, 95)}-${i}`;
    if (!taken.has(candidate)) return candidate;
  }
}

/**
 * Splits a reference that names its source, `name[@version]:rest`; undefined
 * when `ref` does not start that way (then it is a plain `path#anchor`).
 */
export function splitSourceRef(ref: string): { name: string; version?: string; rest: string } | undefined {
  const m = /^([A-Za-z0-9][A-Za-z0-9._-]{0,99})(?:@([A-Za-z0-9][A-Za-z0-9._+-]{0,99}))?:(?!\/\/)(.*)$/s.exec(ref);
  if (!m) return undefined;
  return { name: m[1]!, ...(m[2] !== undefined ? { version: m[2] } : {}), rest: m[3]! };
}

/** A duration as configs write it: 500ms, 30s, 10m, 2h, 7d. */
export const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** Milliseconds of a `DURATION`; undefined when it is not one. */
export function durationMs(text: string): number | undefined {
  const m = DURATION.exec(text.trim());
  return m ? Number(m[1]) * UNIT_MS[m[2]!]! : undefined;
}
