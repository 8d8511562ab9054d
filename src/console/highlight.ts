/**
 * Code highlighting for the document view, on the server: highlight.js's
 * core with the languages technical docs mostly hold (each about 1-10 KB of
 * grammar, loaded with this module). A block is highlighted only when its
 * fence names a language registered here (no guessing: auto-detection is
 * slow and often wrong on short snippets); the output is highlight.js's
 * escaped HTML with `hljs-*` classes, styled by console.css.
 */
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import c from 'highlight.js/lib/languages/c';
import cpp from 'highlight.js/lib/languages/cpp';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import dockerfile from 'highlight.js/lib/languages/dockerfile';
import go from 'highlight.js/lib/languages/go';
import ini from 'highlight.js/lib/languages/ini';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import markdown from 'highlight.js/lib/languages/markdown';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import shell from 'highlight.js/lib/languages/shell';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';

const LANGUAGES = { bash, c, cpp, css, diff, dockerfile, go, ini, java, javascript, json, markdown, python, rust, shell, sql, typescript, xml, yaml };
for (const [name, grammar] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, grammar);
// fence names the grammars do not list as aliases
hljs.registerAliases(['sh', 'zsh', 'console-bash'], { languageName: 'bash' });
hljs.registerAliases(['toml'], { languageName: 'ini' });

/** The highlighted HTML of `code` in `lang` (a fence's language or alias), or undefined when `lang` is not one registered here. */
export function highlightCode(code: string, lang: string): { html: string; language: string } | undefined {
  const name = lang.toLowerCase();
  if (name === '' || !hljs.getLanguage(name)) return undefined;
  return { html: hljs.highlight(code, { language: name, ignoreIllegals: true }).value, language: name.replace(/[^a-z0-9+-]/g, '') };
}
