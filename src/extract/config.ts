import { append } from '../domain/arrays.js';
import { collapseSpace, flagName, isNoise, settingAliases, settingName, stripQuotes } from './canonical.js';
import type { EntityKey, Finding, SectionContext } from './finding.js';
import type { CodeBlock, ListItem } from './scan.js';

/**
 * ConfigParameter rules: command-line flags (`--max-old-space-size`), environment
 * variables (`NODE_OPTIONS`), settings and directives (`worker_connections`),
 * option objects (`options.recursive`) and config-file fields, each with the
 * default value and unit its defining section states.
 */

const ENV_CONTEXT = /\benvironment variables?\b|\benv(?:ironment)? vars?\b/i;
const SETTING_CONTEXT = /\b(?:configuration|settings?|directives?|config(?:uration)? (?:options|parameters|reference)|server parameters|field definitions|fields)\b/i;
const SETTING_CUE = /\b(?:settings?|directives?|configuration (?:parameters?|options?|variables?)|config (?:options?|keys?)|server parameters?|GUCs?)\b/i;
const ENV_NAME = /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/;
const SNAKE_OR_KEBAB = /^[a-z][a-z0-9]*(?:[_-][a-z0-9]+)+$/;
const DOTTED_SETTING = /^[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+$/;
const OPTION_OBJECT = /^(options|opts|config|settings|init)\.([A-Za-z_$][\w$]*)$/;

function contextMatches(ctx: SectionContext, re: RegExp): boolean {
  const own = ctx.section.headingPath[ctx.section.headingPath.length - 1] ?? '';
  return re.test(own) || ctx.ancestors.some((h) => re.test(h));
}

/** A flag as a finding: long flags are global (`--inspect`), short ones are scoped to their program (`git rebase -i`). */
export function flagFinding(raw: string, program: string | undefined, role: Finding['role']): Finding | undefined {
  const name = flagName(raw);
  if (!name) return undefined;
  const attributes: Record<string, unknown> = { kind: 'flag' };
  if (name.startsWith('--')) {
    const surfaces = raw.trim() === name ? [] : [raw.trim().replace(/[=\s].*$/, '')].filter((s) => s !== name);
    return { type: 'ConfigParameter', name, role, surfaces, attributes };
  }
  if (!program) return undefined;
  return { type: 'ConfigParameter', name: `${program} ${name}`, role, surfaces: [name], attributes };
}

/** An environment variable name from `NAME`, `NAME=value`, `$NAME`, `${NAME}` or `process.env.NAME`. */
export function envName(raw: string): string | undefined {
  const s = raw.trim();
  const m = /^(?:process\.env\.|\$\{?|export\s+|ENV\s+)?([A-Z][A-Z0-9_]*[A-Z0-9])\}?(?:=.*)?$/.exec(s);
  if (!m || !ENV_NAME.test(m[1]!) || m[1]!.length < 2) return undefined;
  return m[1];
}

export function envFinding(name: string, role: Finding['role'], surface?: string): Finding {
  return { type: 'ConfigParameter', name, role, surfaces: surface && surface !== name ? [surface] : [], attributes: { kind: 'env' } };
}

function settingFinding(raw: string, role: Finding['role']): Finding {
  const name = settingName(raw);
  return { type: 'ConfigParameter', name, role, surfaces: [raw.trim(), ...settingAliases(name)], attributes: { kind: 'setting' } };
}

/** The API entity whose options a section documents (its own heading, else the nearest ancestor's). */
export function apiOwner(ctx: SectionContext): EntityKey | undefined {
  const callable = (f: Finding): boolean => f.type === 'APISymbol' && f.attributes?.kind !== 'event' && f.attributes?.kind !== 'property';
  return ctx.headingDefs.find(callable) ?? ctx.ancestorDefs.find(callable);
}

function optionFinding(param: string, option: string, owner: EntityKey | undefined, role: Finding['role']): Finding {
  const local = `${param}.${option}`;
  const name = owner ? `${owner.name}: ${local}` : local;
  const attributes: Record<string, unknown> = { kind: 'option' };
  if (owner) attributes.owner = owner.name;
  return { type: 'ConfigParameter', name, role, surfaces: owner ? [local] : [], attributes, related: owner ? [owner] : undefined };
}

/** Inline code spans that are configuration parameters. */
export function configSpan(code: string, sentence: () => string, ctx: SectionContext): Finding[] | undefined {
  const c = code.trim();
  if (c.startsWith('--')) {
    const f = flagFinding(c, undefined, 'mentions');
    return f ? [f] : undefined;
  }
  if (/^process\.env\.[A-Z]/.test(c)) {
    const name = envName(c);
    return name ? [envFinding(name, 'mentions', c)] : undefined;
  }
  if (/^[A-Z][A-Z0-9_]*=/.test(c)) {
    // `NAME=value` is an environment variable only where the text says so; elsewhere (`SO_KEEPALIVE=1`) a setting
    const name = envName(c);
    if (!name) return undefined;
    if (/\benvironment\b|\benv var/i.test(sentence()) || contextMatches(ctx, ENV_CONTEXT)) return [envFinding(name, 'mentions', c)];
    return [{ type: 'ConfigParameter', name, role: 'mentions', surfaces: [c], attributes: { kind: 'setting' } }];
  }
  if (ENV_NAME.test(c) && c.length > 2 && (/\benvironment\b|\benv var/i.test(sentence()) || contextMatches(ctx, ENV_CONTEXT))) {
    return [envFinding(c, 'mentions')];
  }
  const opt = OPTION_OBJECT.exec(c);
  if (opt) return [optionFinding(opt[1]!, opt[2]!, apiOwner(ctx), 'mentions')];
  if (SNAKE_OR_KEBAB.test(c) && !isNoise(c) && (SETTING_CUE.test(sentence()) || contextMatches(ctx, SETTING_CONTEXT))) {
    return [settingFinding(c, 'mentions')];
  }
  return undefined;
}

/** Flags, env vars, fields and settings defined by a heading. */
export function configHeading(heading: string, ctx: SectionContext): Finding[] {
  const codes = [...heading.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim());
  const rest = heading.replace(/`[^`]*`/g, '').replace(/[,\s]|\band\b|\bor\b/g, '');
  const text = definitionText(ctx);
  if (codes.length > 0 && codes.every((c) => /^-{1,2}[A-Za-z]/.test(c)) && /^(?:\(.*\))?$/.test(rest)) {
    const long = codes.find((c) => c.startsWith('--'));
    const program = ctx.doc.mainProgram;
    const main = flagFinding(long ?? codes[0]!, program, 'defines');
    if (!main) return [];
    const surfaces = new Set(main.surfaces);
    for (const c of codes) {
      const n = flagName(c);
      if (n && n !== main.name) surfaces.add(n);
    }
    const attributes: Record<string, unknown> = { ...main.attributes, ...valueFacts(heading + '\n' + text) };
    if (program) attributes.command = program;
    const value = /^--?[\w-]+(?:\[?=|\s+)(.+)$/.exec(long ?? codes[0]!)?.[1];
    if (value) attributes.valueName = value.replace(/^\[?=/, '').replace(/\]$/, (b) => (value.startsWith('[') ? '' : b)).trim();
    return [{ ...main, surfaces: [...surfaces], attributes }];
  }
  if (codes.length === 1 && rest === '') {
    const c = codes[0]!;
    if (/^[A-Z][A-Z0-9_]*=/.test(c) || (ENV_NAME.test(c) && contextMatches(ctx, ENV_CONTEXT))) {
      const name = envName(c);
      if (name) return [{ ...envFinding(name, 'defines', c), attributes: { kind: 'env', ...valueFacts(text) } }];
    }
    const field = /^"([\w.@/-]+)"$/.exec(c);
    if (field && contextMatches(ctx, /\bfields?\b|\bkeys?\b|\bpropert(?:y|ies)\b/i)) {
      const file = [...ctx.ancestors].reverse().map((h) => /([\w.-]+\.(?:json|ya?ml|toml|ini|conf|cfg|config))\b/.exec(h)?.[1]).find((f) => f);
      const name = file ? `${file}: ${field[1]}` : field[1]!;
      const attributes: Record<string, unknown> = { kind: 'field', ...valueFacts(text) };
      if (file) attributes.file = file;
      return [{ type: 'ConfigParameter', name, role: 'defines', surfaces: [c, field[1]!], attributes }];
    }
  }
  // `work_mem` (`integer`) / worker_connections / `max-connections` under a settings heading
  const setting = /^`?([a-z][a-z0-9_.-]*)`?\s*(?:\(`?([a-z ]+)`?\))?$/.exec(heading.trim());
  if (setting && (SNAKE_OR_KEBAB.test(setting[1]!) || DOTTED_SETTING.test(setting[1]!) || /^Syntax:/m.test(text))) {
    const settingLike = contextMatches(ctx, SETTING_CONTEXT) || /^\s*Syntax:/m.test(text) || (setting[2] !== undefined && /^(integer|boolean|string|enum|real|floating point|bool|int)$/.test(setting[2]));
    if (settingLike && !isNoise(setting[1]!)) {
      const f = settingFinding(setting[1]!, 'defines');
      const attributes: Record<string, unknown> = { kind: 'setting', ...valueFacts(text) };
      if (setting[2]) attributes.valueType = setting[2];
      return [{ ...f, attributes }];
    }
  }
  return [];
}

/** The first part of a defining section, where defaults and units are stated. */
function definitionText(ctx: SectionContext): string {
  return ctx.view.prose.slice(0, 2000);
}

/**
 * Option entries of a function's parameter list (Node.js style), and list
 * entries that define flags or env vars (`* \`--foo\`: description`).
 */
const OPTIONS_PARAM = /^(?:options|opts|config|settings|init)$|Options$/;

/** `options` of a list entry `` `options` {Object} ...``. */
export function objectParam(text: string): string | undefined {
  return /^`([A-Za-z_$][\w$]*)`:?\s*\{[^}]*\bObject\b[^}]*\}/.exec(text)?.[1];
}

/**
 * The options parameter whose entries may run on past the end of a part: the
 * last top-level `` `options` {Object} `` entry of the part, or, when the
 * part has no top-level entry after the one that opened it, the one carried in.
 */
export function openParamAfter(items: readonly { indent: number; parent: number; text: string }[], carried: string | undefined): string | undefined {
  let open = carried;
  for (const item of items) {
    if (item.parent >= 0) continue;
    if (item.indent > 0) continue; // an orphan entry of the carried list
    const p = objectParam(item.text);
    open = p && OPTIONS_PARAM.test(p) ? p : undefined;
  }
  return open;
}

export function configListEntries(ctx: SectionContext): Finding[] {
  const out: Finding[] = [];
  const items = ctx.view.items;
  const owner = apiOwner(ctx);
  for (const item of items) {
    const parent = item.parent >= 0 ? items[item.parent] : undefined;
    // an indented entry with no parent in this part continues the list the previous part left open
    const param = parent ? objectParam(parent.text) : item.indent > 0 && item.parent < 0 ? ctx.openParam : undefined;
    const opt = /^`([A-Za-z_$][\w$]*)`:?\s*\{([^}]+)\}\s*(.*)$/s.exec(item.text);
    if (param && opt && OPTIONS_PARAM.test(param) && !(parent && /^Returns/.test(parent.text))) {
      const f = optionFinding(param, opt[1]!, owner, 'defines');
      f.attributes = { ...f.attributes, valueType: opt[2]!.trim(), ...valueFacts(opt[3] ?? '') };
      out.push(f);
      continue;
    }
    append(out, definitionEntry(item, ctx));
  }
  return out;
}

function definitionEntry(item: ListItem, ctx: SectionContext): Finding[] {
  const m = /^`([^`]+)`(?:,\s*`([^`]+)`)?\s*[:—–]\s*(\S.*)$/s.exec(item.text) ?? /^`([^`]+)`(?:,\s*`([^`]+)`)?\s+-\s+(\S.*)$/s.exec(item.text);
  if (!m) return [];
  const first = m[1]!;
  const description = collapseSpace(m[3]!).slice(0, 200);
  if (first.startsWith('--')) {
    const f = flagFinding(first, ctx.doc.mainProgram, 'defines');
    if (!f) return [];
    const second = m[2] ? flagName(m[2]) : undefined;
    return [{ ...f, surfaces: [...(f.surfaces ?? []), ...(second ? [second] : [])], attributes: { ...f.attributes, description, ...valueFacts(m[3]!) } }];
  }
  const env = envName(first);
  if (env && (/^[A-Z][A-Z0-9_]*=/.test(first) || contextMatches(ctx, ENV_CONTEXT))) {
    return [{ ...envFinding(env, 'defines', first), attributes: { kind: 'env', description, ...valueFacts(m[3]!) } }];
  }
  return [];
}

const DEFAULTS: RegExp[] = [
  /\*\*Default:?\*\*:?\s*`([^`]+)`/i,
  /\*\*Default:?\*\*:?\s*([^\s`.,;*]+(?:\s+(?:ms|s|bytes|seconds|milliseconds|[kKMG]i?B))?)/i,
  /\bDefault(?:s| value)?:\s*`([^`]+)`/i,
  /\bDefault(?:s| value)?:\s*([^\s`.,;*]+(?:\s+(?:ms|s|bytes|seconds|milliseconds|[kKMG]i?B))?)/,
  /\bthe default(?: value)?(?: of [^.]{1,40}?)? is\s+`([^`]+)`/i,
  /\bdefaults? to\s+`([^`]+)`/i,
  /\(default(?::|\s+is)?\s*`?([^)`]{1,40})`?\)/i,
  /\bthe default(?: value)?(?: of [^.]{1,40}?)? is\s+(\d[\d.,_]*(?:\s*[A-Za-z]+)?)/i,
  /\bdefaults? to\s+((?:the\s+)?[\w.-]+(?:\s+[\w.-]+){0,3}?)(?=[.,;]|\s+(?:if|when|unless|and|or|but|which|for)\b|$)/im,
];

const PROSE_VALUE = /^(?:see|the|an?|if|when|depends|determined|varies|based|same|as|by|from|on|for|per|this|that|it|set|none given)\b/i;

const UNITS =
  /\b(?:in|of|as)\s+(milliseconds|seconds|microseconds|nanoseconds|minutes|hours|days|bytes|kilobytes|megabytes|gigabytes|kibibytes|mebibytes|gibibytes|KiB|MiB|GiB|kB|KB|MB|GB|ms|percent)\b/;
const UNIT_AFTER_NUMBER = /^\d[\d.,_]*\s*(ms|s|us|µs|ns|min|h|d|B|bytes|kB|KB|KiB|MB|MiB|GB|GiB|milliseconds|seconds|microseconds|minutes|hours|%)$/;

/** Default value and unit stated in a definition ("Default: `1000`", "in megabytes"). */
export function valueFacts(text: string): { default?: string; unit?: string } {
  const out: { default?: string; unit?: string } = {};
  for (const re of DEFAULTS) {
    const m = re.exec(text);
    // "**Default:** See [`stream.getDefaultHighWaterMark()`][]" states no value
    if (m && m[1] && m[1].trim() !== '' && !PROSE_VALUE.test(m[1].trim())) {
      const v = collapseSpace(m[1]).replace(/(?<=\w)[.,;:]+$/, '');
      out.default = v.length > 2 ? stripQuotes(v) : v;
      break;
    }
  }
  const unit = UNITS.exec(text)?.[1] ?? (out.default ? UNIT_AFTER_NUMBER.exec(out.default)?.[1] : undefined);
  if (unit) out.unit = unit;
  return out;
}

const CONFIG_LANGS = new Set(['nginx', 'conf', 'ini', 'cfg', 'properties', 'toml', 'apache', 'apacheconf', 'postgresql', 'pgsql-conf', 'my.cnf', 'cnf']);
const JS_LANGS = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript', 'jsx', 'tsx']);

/** Keys of config-file blocks and `process.env.X` reads in code examples. */
export function configInBlock(block: CodeBlock): Finding[] {
  const out: Finding[] = [];
  if (CONFIG_LANGS.has(block.lang)) {
    for (const line of block.lines) {
      const m = /^\s*([a-z][a-z0-9]*(?:[_.-][a-z0-9]+)+)\s*(?:=|\s)\s*\S/.exec(line);
      if (m && !line.trimStart().startsWith('#') && !isNoise(m[1]!)) out.push(settingFinding(m[1]!, 'mentions'));
    }
  } else if (JS_LANGS.has(block.lang)) {
    for (const line of block.lines) {
      if (!line.includes('process.env.')) continue;
      for (const m of line.matchAll(/process\.env\.([A-Z][A-Z0-9_]*[A-Z0-9])\b/g)) out.push(envFinding(m[1]!, 'mentions'));
    }
  }
  return out;
}
