import { append } from '../domain/arrays.js';
import { collapseSpace, messageName, stripQuotes } from './canonical.js';
import type { EntityKey, Finding, SectionContext } from './finding.js';
import type { CodeBlock, SectionView } from './scan.js';

/**
 * ErrorCode and ErrorMessage rules, and RESOLVES: which sections explain how
 * to fix an error.
 *
 * Codes: symbolic (`ERR_REQUIRE_ESM`), POSIX errno (`EADDRINUSE`),
 * deprecation (`DEP0005`), compiler (`E0277`) and SQLSTATE (`23505`, only in
 * an error context and with a valid class). Messages: error lines in program
 * output (`TypeError [ERR_X]: ...`), `// Throws ...` comments, and quoted
 * messages after "error"/"message" in prose.
 */

const ERRNO = new Set(
  (
    'E2BIG EACCES EADDRINUSE EADDRNOTAVAIL EAFNOSUPPORT EAGAIN EALREADY EBADF EBADMSG EBUSY ECANCELED ECHILD ' +
    'ECONNABORTED ECONNREFUSED ECONNRESET EDEADLK EDESTADDRREQ EDOM EDQUOT EEXIST EFAULT EFBIG EHOSTDOWN ' +
    'EHOSTUNREACH EIDRM EILSEQ EINPROGRESS EINTR EINVAL EIO EISCONN EISDIR ELOOP EMFILE EMLINK EMSGSIZE ' +
    'ENAMETOOLONG ENETDOWN ENETRESET ENETUNREACH ENFILE ENOBUFS ENODATA ENODEV ENOENT ENOEXEC ENOLCK ENOLINK ' +
    'ENOMEM ENOMSG ENOPROTOOPT ENOSPC ENOSR ENOSTR ENOSYS ENOTBLK ENOTCONN ENOTDIR ENOTEMPTY ENOTSOCK ENOTSUP ' +
    'ENOTTY ENOTFOUND ENXIO EOPNOTSUPP EOVERFLOW EPERM EPIPE EPROTO EPROTONOSUPPORT EPROTOTYPE ERANGE EROFS ' +
    'ESHUTDOWN ESPIPE ESRCH ESTALE ETIME ETIMEDOUT ETXTBSY EWOULDBLOCK EXDEV EAI_AGAIN EAI_FAIL EAI_NONAME'
  ).split(' '),
);

/** Valid SQLSTATE classes (PostgreSQL appendix A, which follows the SQL standard). */
const SQLSTATE_CLASS = new Set(
  '00 01 02 03 08 09 0A 0B 0F 0L 0P 0Z 20 21 22 23 24 25 26 27 28 2B 2D 2F 34 38 39 3B 3D 3F 40 42 44 53 54 55 57 58 72 F0 HV P0 XX'.split(' '),
);

const ERROR_HEADING = /\berror(?:s| codes?| messages?)?\b|\bexit codes?\b|\bstatus codes?\b|\btroubleshoot/i;

/** Words that make an UPPER_SNAKE constant read as an error (`CERT_HAS_EXPIRED`, `INTERNAL_ERROR`), unlike `RST_STREAM`. */
const ERRORISH =
  /(?:^|_)(?:ERR|ERROR|ERRORS|FAIL|FAILED|FAILURE|INVALID|DENIED|REFUSED|TIMEOUT|TIMEDOUT|UNABLE|BAD|UNKNOWN|MISSING|EXPIRED|REJECTED|ABORTED|ILLEGAL|OVERFLOW|EXCEEDED|MISMATCH|UNSUPPORTED|NOT|NO|CANNOT|UNTRUSTED|REVOKED|EXHAUSTED)(?:_|$)/;

/**
 * Classifies a string as an error code; `sentence` supplies the error context
 * some codes need. `listEntry` is true for a code that heads a list entry
 * (`* \`CERT_HAS_EXPIRED\`: ...`), where an error-codes heading is enough context.
 */
export function errorCode(raw: string, sentence: () => string, errorContext: boolean, listEntry = false): Finding | undefined {
  const code = stripQuotes(raw.trim());
  let kind: string | undefined;
  if (/^ERR_[A-Z0-9_]+$/.test(code) && code.length > 5) kind = 'code';
  else if (ERRNO.has(code)) kind = 'errno';
  else if (/^DEP\d{4}$/.test(code)) kind = 'deprecation';
  else if (/^E\d{4}$/.test(code)) kind = 'compiler';
  else if (/^[0-9A-Z]{5}$/.test(code) && /\d.*\d/.test(code) && SQLSTATE_CLASS.has(code.slice(0, 2)) && sqlstateCue(code).test(sentence())) kind = 'sqlstate';
  else if (/^E[A-Z]{3,}$/.test(code) && (errorContext || /\b(?:errno|error code|system error|code)\b/i.test(sentence()))) kind = 'errno';
  else if (/^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$/.test(code) && ((listEntry && errorContext) || (ERRORISH.test(code) && (errorContext || /\berror codes?\b|\bcode\b[^.]{0,20}\berror|\berror\b[^.]{0,20}\bcode\b/i.test(sentence()))))) kind = 'code';
  if (!kind) return undefined;
  return { type: 'ErrorCode', name: code, role: 'mentions', surfaces: raw === code ? [] : [raw.trim()], attributes: { kind } };
}

/**
 * A five-character code is a SQLSTATE only where the text names it as one,
 * right before it (`SQLSTATE 42P01`, `error code 23505`, `code: 23505`):
 * "a dashboard (ID 21042) shows … failure rate by error code" is not one.
 */
function sqlstateCue(code: string): RegExp {
  return new RegExp(`\\b(?:sqlstate|error(?:\\s+code)?|code)\\s*[:=]?\\s*[\`'"]?${code}\\b`, 'i');
}

/** True when the section or one of its ancestors is about errors. */
export function inErrorContext(ctx: SectionContext): boolean {
  return ERROR_HEADING.test(ctx.section.headingPath[ctx.section.headingPath.length - 1] ?? '') || ctx.ancestors.some((h) => ERROR_HEADING.test(h));
}

/** Inline code spans that are error codes or messages. */
export function errorSpan(code: string, sentence: () => string, ctx: SectionContext): Finding[] | undefined {
  const c = errorCode(code, sentence, inErrorContext(ctx));
  if (c) return [c];
  const m = messageLine(code);
  return m ? m : undefined;
}

const MESSAGE_LINE =
  /^\s*(?:Uncaught\s+|Thrown:\s*)?((?:[A-Z][A-Za-z]*)?Error|error|ERROR|FATAL|fatal|panic)(?:\s*\[([A-Z][A-Z0-9_]+)\])?:\s+(.{4,200}?)\s*$/;

/** An output line such as `TypeError [ERR_INVALID_ARG_TYPE]: The "path" argument must be ...`. */
export function messageLine(line: string): Finding[] | undefined {
  const m = MESSAGE_LINE.exec(line);
  if (!m) return undefined;
  const [, cls, code, text] = m;
  if (!looksLikeMessage(text!)) return undefined;
  const out: Finding[] = [];
  if (code) out.push({ type: 'ErrorCode', name: code, role: 'mentions', attributes: { kind: /^ERR_/.test(code) ? 'code' : 'errno' } });
  out.push(messageFinding(cls!, code, text!));
  return out;
}

/** An ErrorMessage named `Class [CODE]: text`, with the bare text as alias. */
function messageFinding(cls: string, code: string | undefined, text: string): Finding {
  const name = messageName(`${cls}${code ? ` [${code}]` : ''}: ${text}`);
  const f: Finding = { type: 'ErrorMessage', name, role: 'mentions', surfaces: [messageName(text)], attributes: code ? { errorClass: cls, code } : { errorClass: cls } };
  if (code) f.related = [{ type: 'ErrorCode', name: code }];
  return f;
}

function looksLikeMessage(text: string): boolean {
  const t = text.trim();
  const words = t.split(/\s+/).length;
  // too short to be a message, or cut short by the document ("The input did not match the ...")
  if (words < 2 || (words < 4 && /^[a-z]/.test(t)) || /(?:\.\.\.|…)$/.test(t)) return false;
  // stack frames, object dumps and code are not messages
  if (/^at\s|^\{|^\[|[{};]\s*$|=>|\bfunction\b/.test(t)) return false;
  return /[A-Za-z]{3}/.test(t);
}

/** String literals of a section's code, as patterns (template placeholders match anything). */
function literals(blocks: readonly CodeBlock[]): RegExp[] {
  const out: RegExp[] = [];
  for (const b of blocks) {
    for (const line of b.lines) {
      if (!/['"`]/.test(line) || /^\s*(?:\/\/|#)/.test(line)) continue;
      for (const m of line.matchAll(/'([^'\n]{2,})'|"([^"\n]{2,})"|`([^`\n]{2,})`/g)) {
        const lit = m[1] ?? m[2] ?? m[3]!;
        const source = lit
          .split(/\$\{[^}]*\}/)
          .map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
          .join('.*');
        out.push(new RegExp(`^${source}$`));
      }
    }
  }
  return out;
}

/**
 * The product's part of a message shown by an example: undefined when the
 * example wrote the whole message; without a trailing `: detail` when the
 * example supplied the detail (`Missing expected exception: Second`).
 */
function productMessage(text: string, own: readonly RegExp[]): string | undefined {
  if (own.some((re) => re.test(text))) return undefined;
  const tail = /^(\S+(?:\s+\S+){2,}?):\s+(\S.*)$/.exec(text);
  if (!tail) return text;
  const detail = stripQuotes(tail[2]!);
  if (/^[\d.-]+$/.test(detail) || !/\s/.test(detail) || own.some((re) => re.test(detail))) return tail[1];
  return text;
}

/**
 * Error messages of a section: program output, `// Throws ...` comments and
 * quoted messages in prose; minus those whose text the section's own example
 * code writes (`new Error('oh no!')` → "Error: oh no!" is the example's, not
 * the product's).
 */
export function errorMessages(view: SectionView): Finding[] {
  const found = [...view.blocks.flatMap(messagesInBlock), ...quotedMessages(view.prose)];
  if (found.length === 0) return found;
  const own = literals(view.blocks);
  if (own.length === 0) return found;
  const out: Finding[] = [];
  for (const f of found) {
    const cls = f.attributes?.errorClass;
    if (f.type !== 'ErrorMessage' || typeof cls !== 'string') {
      out.push(f);
      continue;
    }
    const text = f.surfaces?.[0] ?? f.name;
    const kept = productMessage(text, own);
    if (kept === text) out.push(f);
    else if (kept !== undefined) out.push(messageFinding(cls, f.attributes?.code as string | undefined, kept));
  }
  return out;
}

const OUTPUT_LANGS = new Set(['', 'console', 'text', 'txt', 'output', 'log', 'shell-session', 'terminal', 'sh', 'bash', 'shell', 'zsh', 'plaintext']);
const JS_LANGS = new Set(['js', 'javascript', 'mjs', 'cjs', 'ts', 'typescript', 'jsx', 'tsx']);
const THROWS_COMMENT = /^\s*\/\/\s*(?:Throws|Rejects|Prints|Error)?:?\s*(["']?)(.*?)\1\s*$/;

/** Error messages shown in program output or in `// Throws ...` comments of examples. */
export function messagesInBlock(block: CodeBlock): Finding[] {
  const out: Finding[] = [];
  if (OUTPUT_LANGS.has(block.lang)) {
    for (const line of block.lines) {
      const found = messageLine(line.replace(/^\s*[$>#]\s+/, ''));
      if (found) append(out, found);
    }
  } else if (JS_LANGS.has(block.lang)) {
    const lines = block.lines;
    for (let i = 0; i < lines.length; i++) {
      if (!/^\s*\/\//.test(lines[i]!)) continue;
      const m = THROWS_COMMENT.exec(lines[i]!);
      let text = m?.[2] ?? '';
      // a message wrapped over several comment lines
      for (let j = i + 1; j < lines.length && !/[.:]$/.test(text); j++) {
        const more = /^\s*\/\/\s*(.*)$/.exec(lines[j]!)?.[1]?.trim() ?? '';
        if (!/^[a-z]/.test(more) || /^at\s/.test(more)) break;
        text += ' ' + more.replace(/["']$/, '');
        i = j;
      }
      // only messages that carry a code: a comment with a bare message is usually the example's own text
      if (!/\[[A-Z][A-Z0-9_]+\]/.test(text)) continue;
      const found = messageLine(text);
      if (found) append(out, found);
    }
  }
  return out;
}

const QUOTED_MESSAGE = /\b(?:error|message|fails? with|failed with|throws?|reports?)\b[^."\n]{0,40}?"([^"\n]{8,160})"/gi;
const FAILURE_WORDS =
  /\b(?:cannot|can't|could not|couldn't|failed|failure|invalid|not found|not allowed|not supported|denied|unable|unexpected|must be|is not|are not|no such|refused|timed out|exceeded|unknown|missing|illegal|too (?:many|large|long))\b/i;

/** Quoted error messages in running text: `fails with "permission denied for table foo"`. */
export function quotedMessages(plainWithSpans: string): Finding[] {
  if (!plainWithSpans.includes('"')) return [];
  const out: Finding[] = [];
  for (const m of plainWithSpans.matchAll(QUOTED_MESSAGE)) {
    const text = m[1]!;
    if (!FAILURE_WORDS.test(text) || text.split(/\s+/).length < 3) continue;
    const line = messageLine(text);
    if (line) {
      append(out, line);
      continue;
    }
    out.push({ type: 'ErrorMessage', name: messageName(text), role: 'mentions' });
  }
  return out;
}

/** Error codes and messages defined by a heading: `ERR_REQUIRE_ESM`, `DEP0005: Buffer() constructor`, `Error: Cannot find module`. */
export function errorHeading(heading: string, plain: string, ctx: SectionContext): Finding[] {
  const errorContext = inErrorContext(ctx);
  const codes = [...heading.matchAll(/`([^`]+)`/g)].map((m) => m[1]!.trim());
  const out: Finding[] = [];
  const dep = /^(DEP\d{4}):\s*(.+)$/.exec(plain);
  if (dep) {
    out.push({ type: 'ErrorCode', name: dep[1]!, role: 'defines', attributes: { kind: 'deprecation', title: collapseSpace(dep[2]!) } });
    return out;
  }
  // `ACME_E1042: Health check timed out` under an errors heading: the docs present a code of their own with its title
  const titled = /^`?([A-Z][A-Z0-9_]{3,})`?\s*(?::|—|–|\s-)\s*(\S.*)$/.exec(plain);
  if (titled) {
    const known = errorCode(titled[1]!, () => plain, errorContext);
    const ownCode = errorContext && /_/.test(titled[1]!) && /\d/.test(titled[1]!);
    if (known || ownCode) {
      return [{ type: 'ErrorCode', name: titled[1]!, role: 'defines', attributes: { kind: known?.attributes?.kind ?? 'code', title: collapseSpace(titled[2]!) } }];
    }
  }
  if (codes.length === 1 && heading.trim() === '`' + codes[0] + '`') {
    const c = errorCode(codes[0]!, () => plain, errorContext);
    if (c) return [{ ...c, role: 'defines' }];
  }
  if (codes.length === 0 && /^[A-Z][A-Z0-9_]{3,}$/.test(plain.trim())) {
    const c = errorCode(plain.trim(), () => plain, errorContext);
    if (c) return [{ ...c, role: 'defines' }];
  }
  const msg = messageLine(plain);
  if (msg) return msg.map((f) => (f.type === 'ErrorMessage' ? { ...f, role: 'defines' as const } : f));
  return out;
}

/**
 * List entries that define error codes: `* \`EACCES\` (Permission denied): An attempt ...`
 * or, under an error-codes heading, `* \`'CERT_HAS_EXPIRED'\`: Certificate has expired.`
 */
export function errorListEntries(ctx: SectionContext): Finding[] {
  const out: Finding[] = [];
  const errorContext = inErrorContext(ctx);
  for (const item of ctx.view.items) {
    const m = /^`([^`]+)`\s*(?:\(([^)]{1,80})\))?\s*[:—–-]\s*(\S.*)/s.exec(item.text);
    if (!m) continue;
    const c = errorCode(m[1]!, () => m[3]!, errorContext, true);
    if (!c || (c.attributes?.kind === 'code' && !errorContext && !/^ERR_/.test(c.name))) continue;
    const description = collapseSpace((m[2] ? m[2] + ': ' : '') + m[3]!).slice(0, 200);
    out.push({ ...c, role: 'defines', attributes: { ...c.attributes, description } });
  }
  return out;
}

const TROUBLE_HEADING =
  /\btroubleshoot|\bcommon (?:errors|problems|issues|pitfalls|mistakes)\b|\bfaq\b|\bknown issues\b|\bworkarounds?\b|\bdoes(?:n't| not) work\b|\bnot working\b|\bhow to (?:fix|resolve)\b|^(?:fixing|resolving|solving)\b/i;
const FIX_CUE =
  /\bto (?:fix|resolve|avoid|prevent|work around|get around|address) (?:this|it|the|these|that)\b|\b(?:fix|fixed|resolved|avoided|solved) by\b|\bcan be (?:fixed|resolved|avoided|solved)\b|\bworkaround\b|\bsolution\b|\binstead,? use\b|\buse\b[^.]{1,60}\binstead\b|\bmake sure\b|\bensure that\b|\btry (?:running|setting|using|increasing|adding|removing|to)\b|\bincrease the\b|\breinstall\b|\bupgrade to\b/i;

/**
 * Error entities that the section explains how to fix: in a troubleshooting
 * section, in a paragraph with a fix cue, or a defining section whose body
 * gives a fix.
 */
export function resolvedErrors(ctx: SectionContext, findings: readonly Finding[]): EntityKey[] {
  const errors = findings.filter((f) => f.type === 'ErrorCode' || f.type === 'ErrorMessage');
  if (errors.length === 0) return [];
  const heading = ctx.section.headingPath[ctx.section.headingPath.length - 1] ?? '';
  if (TROUBLE_HEADING.test(heading) || ctx.ancestors.some((h) => TROUBLE_HEADING.test(h))) return errors;
  const text = ctx.view.prose;
  if (!FIX_CUE.test(text)) return [];
  const out: EntityKey[] = [];
  const paragraphs = text.split(/\n\s*\n/);
  for (const e of errors) {
    if (e.role === 'defines') {
      out.push(e);
      continue;
    }
    const needles = [e.name, ...(e.surfaces ?? [])];
    if (paragraphs.some((p) => FIX_CUE.test(p) && needles.some((n) => p.includes(n)))) out.push(e);
  }
  return out;
}
