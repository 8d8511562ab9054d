/**
 * hast → mdast as hast-util-to-mdast 10.1.3 `toMdast` does it, with the
 * library's own handlers and state, minus two costs that dominated an HTML
 * parse thread's profile:
 *
 * - its deep copy of the input through @ungap/structured-clone (a
 *   serialise-and-rebuild) is a plain recursive copy here: hast is plain
 *   data (objects, arrays, strings, numbers, booleans);
 * - its whitespace pass, hast-util-minify-whitespace 6.0.x, called
 *   `isElement(node, list)` about three times per node, and each call built
 *   one closure per tag name of a 60-name list; here the lists are Sets.
 *
 * Everything else is the library's code, step for step: the whitespace
 * pass below is a transcription of hast-util-minify-whitespace's
 * `minifyWhitespace` (MIT, Titus Wormer), the id map and the closing text
 * merge are hast-util-to-mdast's, and the handlers and the `one`/`all`/
 * `toFlow` state functions are the library's own, taken from a state it
 * hands to a handler (it does not export `createState`). Its output is the
 * library's for any input (to-mdast.test.ts compares the two on seeded
 * random pages; the parse digest of the Node and Python docs is unchanged).
 * The versions are pinned in package.json: a new one needs that test.
 */
import type { Element, ElementContent, Nodes, Root, RootContent, Text } from 'hast';
import { defaultHandlers, defaultNodeHandlers, toMdast as libraryToMdast, type Handle, type Options, type State } from 'hast-util-to-mdast';
import type { Nodes as MdastNodes, Root as MdastRoot } from 'mdast';

// ---------------------------------------------------------------------------
// Whitespace (hast-util-minify-whitespace, `newlines: false`)

/** hast-util-minify-whitespace `block.js`. */
const BLOCKS = new Set(['address', 'article', 'aside', 'blockquote', 'body', 'br', 'caption', 'center', 'col', 'colgroup', 'dd', 'dialog', 'dir', 'div', 'dl', 'dt', 'figcaption', 'figure', 'footer', 'form', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'head', 'header', 'hgroup', 'hr', 'html', 'legend', 'li', 'listing', 'main', 'menu', 'nav', 'ol', 'optgroup', 'option', 'p', 'plaintext', 'pre', 'section', 'summary', 'table', 'tbody', 'td', 'tfoot', 'th', 'thead', 'tr', 'ul', 'wbr', 'xmp']);
/** `content.js` (form controls) plus hast-util-embedded's list. */
const CONTENT = new Set(['button', 'input', 'select', 'textarea', 'audio', 'canvas', 'embed', 'iframe', 'img', 'math', 'object', 'picture', 'svg', 'video']);
/** `skippable.js`. */
const SKIPPABLE = new Set(['area', 'base', 'basefont', 'dialog', 'datalist', 'head', 'link', 'meta', 'noembed', 'noframes', 'param', 'rp', 'script', 'source', 'style', 'template', 'track', 'title']);

type Whitespace = 'normal' | 'nowrap' | 'pre' | 'pre-wrap';
interface MinifyState {
  whitespace: Whitespace;
  before?: boolean;
  after?: boolean;
}
interface MinifyResult {
  ignore: boolean;
  stripAtStart: boolean;
  remove: boolean;
}

type AnyNode = Nodes;

function isElement(node: AnyNode | undefined): node is Element {
  return node !== undefined && node.type === 'element' && typeof node.tagName === 'string';
}

function ignorable(node: AnyNode): boolean {
  return node.type === 'comment' || node.type === 'doctype';
}

function content(node: AnyNode | undefined): boolean {
  return isElement(node) && CONTENT.has(node.tagName);
}

function blocklike(node: AnyNode): boolean {
  return isElement(node) && BLOCKS.has(node.tagName);
}

function skippable(node: AnyNode): boolean {
  return (node.type === 'element' && Boolean(node.properties.hidden)) || ignorable(node) || (isElement(node) && SKIPPABLE.has(node.tagName));
}

function allWhitespace(value: string): boolean {
  return value.replace(/[ \t\n\f\r]/g, '') === '';
}

function collapse(value: string): string {
  return String(value).replace(/[\t\n\v\f\r ]+/g, ' ');
}

function removable(character: string): boolean {
  return character === ' ' || character === '\n';
}

function minify(node: AnyNode, state: MinifyState): MinifyResult {
  if ('children' in node) {
    const settings: MinifyState = { ...state };
    if (node.type === 'root' || blocklike(node)) {
      settings.before = true;
      settings.after = true;
    }
    settings.whitespace = inferWhiteSpace(node, state);
    return all(node, settings);
  }
  if (node.type === 'text') {
    if (state.whitespace === 'normal') return minifyText(node, state);
    if (state.whitespace === 'nowrap') node.value = collapse(node.value);
  }
  return { ignore: ignorable(node), stripAtStart: false, remove: false };
}

function minifyText(node: Text, state: MinifyState): MinifyResult {
  const value = collapse(node.value);
  const result = { ignore: false, stripAtStart: false, remove: false };
  let start = 0;
  let end = value.length;
  if (state.before && removable(value.charAt(0))) start++;
  if (start !== end && removable(value.charAt(end - 1))) {
    if (state.after) end--;
    else result.stripAtStart = true;
  }
  if (start === end) result.remove = true;
  else node.value = value.slice(start, end);
  return result;
}

function all(parent: Root | Element, state: MinifyState): MinifyResult {
  let before = state.before;
  const after = state.after;
  const children: (RootContent | ElementContent)[] = parent.children;
  let length = children.length;
  let index = -1;
  while (++index < length) {
    const result = minify(children[index]!, { ...state, after: collapsableAfter(children, index, after), before });
    if (result.remove) {
      children.splice(index, 1);
      index--;
      length--;
    } else if (!result.ignore) {
      before = result.stripAtStart;
    }
    if (content(children[index])) before = false;
  }
  return { ignore: false, stripAtStart: Boolean(before || after), remove: false };
}

function collapsableAfter(nodes: readonly AnyNode[], index: number, after: boolean | undefined): boolean | undefined {
  while (++index < nodes.length) {
    const node = nodes[index]!;
    let result = inferBoundary(node);
    if (result === undefined && 'children' in node && !skippable(node)) result = collapsableAfter(node.children, -1, undefined);
    if (typeof result === 'boolean') return result;
  }
  return after;
}

function inferBoundary(node: AnyNode): boolean | undefined {
  if (node.type === 'element') {
    if (content(node)) return false;
    if (blocklike(node)) return true;
  } else if (node.type === 'text') {
    if (!allWhitespace(node.value)) return false;
  } else if (!ignorable(node)) {
    return false;
  }
  return undefined;
}

function inferWhiteSpace(node: AnyNode, state: MinifyState): Whitespace {
  if ('tagName' in node && node.properties) {
    switch (node.tagName) {
      case 'listing':
      case 'plaintext':
      case 'script':
      case 'style':
      case 'xmp':
        return 'pre';
      case 'nobr':
        return 'nowrap';
      case 'pre':
        return node.properties.wrap ? 'pre-wrap' : 'pre';
      case 'td':
      case 'th':
        return node.properties.noWrap ? 'nowrap' : state.whitespace;
      case 'textarea':
        return 'pre-wrap';
      default:
    }
  }
  return state.whitespace;
}

// ---------------------------------------------------------------------------
// The copy, the id map, and the closing text merge (hast-util-to-mdast `toMdast`)

/** A deep copy of plain data (what structured clone makes of a hast tree). */
function copy<T>(value: T): T {
  if (typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(copy) as T;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(value)) out[key] = copy((value as Record<string, unknown>)[key]);
  return out as T;
}

function mapIds(node: AnyNode, map: Map<string, Element>): void {
  if (node.type === 'element' && node.properties) {
    const id = String(node.properties.id || '') || undefined;
    if (id && !map.has(id)) map.set(id, node);
  }
  if ('children' in node) for (const c of node.children) mapIds(c, map);
}

type MdastParent = Extract<MdastNodes, { children: unknown }>;

/** hast-util-to-mdast's closing `visit`: adjacent texts joined, whitespace at line breaks and paragraph ends trimmed. */
function mergeTexts(parent: MdastParent): void {
  const children = parent.children as MdastNodes[];
  let index = 0;
  while (index > -1 && index < children.length) {
    const node = children[index]!;
    let next = index + 1;
    if (node.type === 'text') {
      const previous = children[index - 1];
      if (previous && previous.type === 'text') {
        previous.value += node.value;
        children.splice(index, 1);
        if (previous.position && node.position) previous.position.end = node.position.end;
        next = index - 1;
      } else {
        node.value = node.value.replace(/[\t ]*(\r?\n|\r)[\t ]*/, '$1');
        if (parent.type === 'heading' || parent.type === 'paragraph' || parent.type === 'root') {
          if (!index) node.value = node.value.replace(/^[\t ]+/, '');
          if (index === children.length - 1) node.value = node.value.replace(/[\t ]+$/, '');
        }
        if (!node.value) {
          children.splice(index, 1);
          next = index;
        }
      }
    } else if ('children' in node) {
      mergeTexts(node);
    }
    index = next;
  }
}

// ---------------------------------------------------------------------------

/** The library's state functions (`all`, `one`, `toFlow`, ...), from a state it passes to a handler. */
const LIBRARY_STATE: State = (() => {
  let captured: State | undefined;
  const capture: Handle = (state) => {
    captured = state;
  };
  libraryToMdast({ type: 'root', children: [{ type: 'element', tagName: 'x-docgraph-capture', properties: {}, children: [] }] }, { handlers: { 'x-docgraph-capture': capture } });
  if (!captured) throw new Error('hast-util-to-mdast did not call a handler');
  return captured;
})();

/** A converter with these options (the state's handler tables are built once). */
export function mdastConverter(options: Options): (tree: Root) => MdastRoot {
  const handlers = { ...defaultHandlers, ...options.handlers };
  const nodeHandlers = { ...defaultNodeHandlers, ...options.nodeHandlers };
  if (options.newlines === true) throw new Error('mdastConverter: newlines is not supported');
  return (tree) => {
    const clean = copy(tree);
    minify(clean, { whitespace: 'normal' });
    const state: State = { ...LIBRARY_STATE, baseFound: false, elementById: new Map(), frozenBaseUrl: undefined, handlers, inTable: false, nodeHandlers, options, qNesting: 0 };
    mapIds(clean, state.elementById);
    const result = state.one(clean, undefined);
    let mdast: MdastRoot;
    if (!result) mdast = { type: 'root', children: [] };
    else if (Array.isArray(result)) mdast = { type: 'root', children: result as MdastRoot['children'] };
    else mdast = result as MdastRoot;
    mergeTexts(mdast);
    return mdast;
  };
}
