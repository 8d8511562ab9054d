import { collapseSpace, isNoise, stripQuotes } from './canonical.js';
import type { EntityKey, Finding, SectionContext } from './finding.js';

/**
 * APISymbol rules: classes, functions, methods, properties, constructors and
 * events, from reference headings (`Class: fs.Dir`, `Event: 'close'`,
 * `` `fs.readFile(path[, options], callback)` ``) and from inline code that is
 * written the way references are (`fs.readFile()`, `buf.length`, `new URL()`).
 *
 * Canonical names drop arguments (`fs.readFile`); the signatures go to the
 * `signatures` attribute. Events are named after their emitter
 * (`fs.ReadStream: 'close'`), since `'close'` alone means nothing.
 */

const IDENT = '[A-Za-z_$][\\w$]*';
const MEMBER = `(?:\\.${IDENT}|\\[(?!\\d+\\])[^\\]'"\`]+\\])`;
const CALLABLE = new RegExp(`^(${IDENT}${MEMBER}*)\\s*\\((.*)\\)$`, 's');
const CONSTRUCTOR = new RegExp(`^new\\s+(${IDENT}(?:\\.${IDENT})*)\\s*(?:\\((.*)\\))?$`, 's');
const PROPERTY = new RegExp(`^(${IDENT}${MEMBER}+)$`);
const BARE = new RegExp(`^${IDENT}$`);

/** Segments that mark example code rather than an API (`foo.bar()`, `obj.x`). */
const PLACEHOLDERS = new Set(['foo', 'bar', 'baz', 'qux', 'obj', 'myObject', 'myEmitter', 'myFunction', 'example', 'something', 'e', 'i', 'x', 'y', 'z', 'a', 'b', 'c', 'n']);
/** Abbreviations with dots that are prose, not members. */
const PROSE_DOTTED = /^(?:e\.g|i\.e|etc|vs|cf|et\.al|a\.k\.a)$/i;

/** Global functions of JavaScript runtimes, referred to by their bare name. */
const GLOBAL_FUNCTIONS = new Set(
  'require import fetch setTimeout setInterval setImmediate clearTimeout clearInterval clearImmediate queueMicrotask structuredClone atob btoa eval parseInt parseFloat isNaN isFinite encodeURIComponent decodeURIComponent encodeURI decodeURI'.split(' '),
);

/** Dotted names without a capital, a call or a bracket. */
export const LOWER_DOTTED = /^[a-z_$][a-z0-9_$]*(?:\.[a-z_$][a-z0-9_$]*)+$/;

type Kind = 'class' | 'function' | 'method' | 'property' | 'constructor' | 'event' | 'symbol';

/** True when the brackets of an argument list pair up (so `a().b()` is not read as one call). */
function balanced(args: string): boolean {
  let depth = 0;
  for (const ch of args) {
    if (ch === '(') depth++;
    else if (ch === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

function symbol(name: string, kind: Kind, role: Finding['role'], extra: Record<string, unknown> = {}, surfaces: string[] = []): Finding {
  return { type: 'APISymbol', name, role, surfaces, attributes: { kind, ...extra } };
}

function placeholder(name: string): boolean {
  return name.split(/[.[\]]/).some((s) => PLACEHOLDERS.has(s));
}

/**
 * Parses a reference-style signature or member expression: `fs.readFile(path[, options], callback)`,
 * `new vm.Script(code)`, `buf.length`, `rl[Symbol.asyncIterator]()`. Returns undefined for anything else.
 */
export function parseSignature(raw: string, role: Finding['role']): Finding | undefined {
  const s = collapseSpace(raw);
  if (s.length > 160 || /[`$]\{|=>|;/.test(s)) return undefined;
  const ctor = CONSTRUCTOR.exec(s);
  if (ctor) {
    const name = `new ${ctor[1]}`;
    if (placeholder(ctor[1]!)) return undefined;
    return symbol(name, 'constructor', role, ctor[2] !== undefined ? { signatures: [s] } : {}, [`${name}()`]);
  }
  const call = CALLABLE.exec(s);
  if (call) {
    const name = call[1]!;
    if (placeholder(name) || !balanced(call[2]!)) return undefined;
    const kind: Kind = /[.[]/.test(name) ? 'method' : 'function';
    const hasArgs = call[2]!.trim() !== '';
    return symbol(name, kind, role, hasArgs ? { signatures: [s] } : {}, [`${name}()`]);
  }
  const prop = PROPERTY.exec(s);
  if (prop) {
    const name = prop[1]!;
    const first = name.split(/[.[]/)[0]!;
    if (placeholder(name) || PROSE_DOTTED.test(name) || isNoise(name) || /^\d/.test(first)) return undefined;
    // `net.Server`, `stream.Readable`: a class reached through its module
    return symbol(name, /\.[A-Z][a-z]\w*$/.test(name) ? 'class' : 'property', role);
  }
  return undefined;
}

/**
 * Words that declare what a reference entry is, written before its name by
 * Sphinx (`class`, `exception`, `awaitable`, `coroutine`, `classmethod`),
 * Javadoc (`public static`), rustdoc (`pub fn`), Doxygen and C API docs.
 */
const DECLARATION_WORDS = new Set(
  'abstract abstractmethod async attribute awaitable class classmethod const constructor coroutine data decorator def default enum exception export extern final fn func function inline interface macro method module mut namespace native override package private property protected pub public readonly record sealed static staticmethod struct synchronized trait type typedef union unsafe virtual'.split(' '),
);
/** Declaration words that make the entry a class-like type. */
const TYPE_WORDS = new Set(['class', 'exception', 'interface', 'struct', 'enum', 'trait', 'union', 'record']);
/**
 * A C, C++ or Java type written before a function's name (`int`, `PyObject *`, `List<String>`, `Py_ssize_t`):
 * a word that reads as a type rather than prose (a pointer or reference, generics, an array, a capital, an
 * underscore, a C primitive).
 */
const C_TYPE = /[*&<[_A-Z]|^(?:void|int|char|long|short|double|float|bool|unsigned|signed|size_t)$/;
const TYPE_TOKEN = /^[A-Za-z_][\w:]*(?:<[^()]*>)?(?:\[\])*\**&?$|^\*+&?$/;

/**
 * A reference heading that declares its entry before the name:
 * `class csv.DictReader(f, fieldnames=None)`, `awaitable asyncio.gather(*aws)`,
 * `@functools.lru_cache(maxsize=128)`, `PyObject *PyList_New(Py_ssize_t len)`,
 * `public static String valueOf(int i)`. The name is the last word before the
 * argument list; the words before it must all be declaration words or types,
 * so prose in code spans is not read as a declaration.
 */
export function parseDeclaration(raw: string, role: Finding['role']): Finding | undefined {
  // a return type written after the arguments (`pub fn new() -> Self`, `def f(x) -> int`) is not part of the call
  const s = collapseSpace(raw).replace(/^@/, '').replace(/\)\s*->\s*[^()]+$/, ')');
  if (s.length > 200) return undefined;
  const open = s.indexOf('(');
  const head = (open < 0 ? s : s.slice(0, open)).trim();
  const args = open < 0 ? undefined : s.slice(open);
  const words = head.split(' ');
  if (words.length < 2 && s === raw.trim()) return undefined;
  const last = words.pop()!.replace(/^[*&]+/, '');
  const declared = words.some((w) => DECLARATION_WORDS.has(w));
  const typed = words.every((w) => DECLARATION_WORDS.has(w) || (TYPE_TOKEN.test(w) && C_TYPE.test(w)));
  if (!typed) return undefined;
  // every word before the name is a declaration word or reads as a type, so a phrase such as
  // `how to use this(x)` or `async with lock` is not a declaration; without a declaration word,
  // only a C-style return type before an argument list counts (`PyObject *PyList_New(...)`)
  if (!declared && words.length > 0 && (args === undefined || words.length > 3)) return undefined;
  let f = parseSignature(last + (args ?? ''), role);
  if (!f && declared && args === undefined && BARE.test(last) && !isNoise(last)) f = symbol(last, 'symbol', role);
  if (!f) return undefined;
  if (words.some((w) => TYPE_WORDS.has(w))) f.attributes = { ...f.attributes, kind: 'class' };
  if (words.includes('staticmethod') || words.includes('classmethod') || words.includes('static')) f.attributes = { ...f.attributes, static: true };
  if (args !== undefined && f.attributes?.signatures) f.attributes = { ...f.attributes, signatures: [collapseSpace(raw)] };
  return f;
}

/**
 * The qualified name of a member whose heading gives only its short name: Sphinx ids the entry
 * `most_common([n])` under `class collections.Counter` as `collections.Counter.most_common`. Only
 * when the anchor is exactly the owner's name, a dot and the member's name, so a domain prefix
 * (`c.PyList_New`) or an unrelated id never renames anything.
 */
function qualifiedByAnchor(name: string, anchor: string, owner: EntityKey | undefined): string | undefined {
  return owner && anchor === `${owner.name}.${name}` ? anchor : undefined;
}

/** The class (or object) whose members an ancestor heading defines. */
function emitter(ctx: SectionContext): EntityKey | undefined {
  return ctx.ancestorDefs.find((f) => f.type === 'APISymbol' && (f.attributes?.kind === 'class' || f.attributes?.kind === 'property' || f.attributes?.kind === 'symbol'));
}

/** API symbols defined by a reference heading. */
export function apiHeading(heading: string, plain: string, ctx: SectionContext): Finding[] {
  const h = heading.trim();
  const p = plain.trim();
  const related = emitter(ctx);
  const withOwner = (f: Finding): Finding[] => {
    if (related && related.name !== f.name) f.related = [related];
    return [f];
  };

  const cls = /^Class:?\s+`?([A-Za-z_$][\w$.]*)`?(?:\s+extends\s+`?([\w$.]+)`?)?$/.exec(p);
  if (cls && /^Class\b/.test(h)) {
    const f = symbol(cls[1]!, 'class', 'defines', cls[2] ? { extends: cls[2] } : {});
    if (cls[2]) f.related = [{ type: 'APISymbol', name: cls[2] }];
    return [f];
  }
  const event = /^Event:\s+['"]([^'"]+)['"]$/.exec(p) ?? /^Event:\s+`'([^'`]+)'`$/.exec(h);
  if (event) {
    const owner = related?.name ?? ctx.doc.title;
    const name = `${owner}: '${event[1]}'`;
    const f = symbol(name, 'event', 'defines', { event: event[1], emitter: owner }, [`'${event[1]}'`, `${event[1]} event`]);
    return withOwner(f);
  }
  const labelled = /^(Static method|Class property|Class method|Constructor|Method|Property|Function):\s+`([^`]+)`$/.exec(h);
  if (labelled) {
    const f = parseSignature(labelled[2]!, 'defines');
    if (!f) return [];
    if (labelled[1] === 'Static method' || labelled[1] === 'Class method') f.attributes = { ...f.attributes, static: true };
    return withOwner(f);
  }
  const code = /^`([^`]+)`$/.exec(h)?.[1];
  if (!code) return [];
  const sig = parseSignature(code, 'defines') ?? parseDeclaration(code, 'defines');
  if (sig) {
    const qualified = sig.attributes?.kind !== 'constructor' ? qualifiedByAnchor(sig.name, ctx.section.anchor, related) : undefined;
    if (qualified) {
      const callable = (sig.surfaces ?? []).includes(`${sig.name}()`);
      sig.surfaces = [...new Set([...(sig.surfaces ?? []), sig.name, ...(callable ? [`${qualified}()`] : [])])];
      sig.name = qualified;
    }
    return withOwner(sig);
  }
  if (BARE.test(code) && !isNoise(code) && looksLikeReference(code, ctx)) {
    const declared = ctx.view.blocks.some((b) => b.lines.some((l) => l.includes(code + '(')));
    const kind: Kind = /^[A-Z][a-z]/.test(code) ? 'class' : declared ? 'function' : 'symbol';
    return withOwner(symbol(code, kind, 'defines'));
  }
  return [];
}

/**
 * A bare identifier heading is an API symbol when its body reads like a
 * reference entry: a type annotation first (`* {Object}`, `* Type: ...`), or a
 * code block that declares it.
 */
function looksLikeReference(name: string, ctx: SectionContext): boolean {
  const body = ctx.view.text.trimStart();
  if (/^(?:[*-]\s+(?:\{[^}]+\}|Type:|Returns:|Extends:)|<!--\s*YAML)/.test(body)) return true;
  return ctx.view.blocks.some((b) => /^(c|cpp|c\+\+|h|js|mjs|cjs|ts|idl|webidl)$/.test(b.lang) && b.lines.slice(0, 5).some((l) => new RegExp(`\\b${name.replace(/\$/g, '\\$')}\\s*\\(`).test(l)));
}

/** Inline code written as an API reference: `fs.readFile()`, `new URL(input)`, `buf.length`, `require()`. */
export function apiSpan(code: string, _sentence: () => string, _ctx: SectionContext): Finding[] | undefined {
  const c = stripQuotes(code.trim());
  if (isNoise(c) && !CALLABLE.test(c)) return undefined;
  const f = parseSignature(c, 'mentions');
  if (!f) return undefined;
  // `node.bootstrap`, `http.server.response.finish`: all-lower-case dotted names are as often trace
  // categories, channel or file names; they count only on a receiver the document defines (second pass)
  if (f.attributes?.kind === 'property' && LOWER_DOTTED.test(f.name)) return undefined;
  // `args[token.index]`, `object[methodName]`: indexing by a variable is an expression; `rl[Symbol.asyncIterator]` is a member
  if (/\[(?!Symbol\.)/.test(f.name)) return undefined;
  // a bare lower-case call (`emit()`, `destroy()`) is a method by its short name or example code;
  // it counts only when the document defines it (second pass) or it is a global
  if (f.attributes?.kind === 'function' && /^[a-z][A-Za-z0-9]*$/.test(f.name) && !GLOBAL_FUNCTIONS.has(f.name)) return undefined;
  delete f.attributes?.signatures;
  return [f];
}

/**
 * Events mentioned as "the `'close'` event": resolved to the emitter of the
 * section when it has that event, or to the only emitter in the document that
 * has it.
 */
export function eventMentions(ctx: SectionContext, events: ReadonlyMap<string, readonly EntityKey[]>): Finding[] {
  if (events.size === 0) return [];
  const out: Finding[] = [];
  const scope = [...ctx.headingDefs, ...ctx.ancestorDefs].filter((f) => f.type === 'APISymbol').map((f) => f.name);
  for (const m of ctx.view.prose.matchAll(/`'([\w:-]+)'`\s+events?\b/g)) {
    const candidates = events.get(m[1]!);
    if (!candidates) continue;
    const own = candidates.find((c) => scope.some((s) => c.name.startsWith(s + ': ')));
    const pick = own ?? (candidates.length === 1 ? candidates[0] : undefined);
    if (pick) out.push({ type: 'APISymbol', name: pick.name, role: 'mentions' });
  }
  return out;
}
