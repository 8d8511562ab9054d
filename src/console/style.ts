/** The console's stylesheet, served at /console/console.css (a constant: nothing is built or read at run time). */
export const CONSOLE_CSS = `
:root { color-scheme: light; --fg: #1b1f24; --muted: #4f5863; --line: #d0d7de; --accent: #0a58ca; --mark: #fff3a3; --bad: #a4161a; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.5 system-ui, sans-serif; color: var(--fg); background: #fff; }
header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; border-bottom: 1px solid var(--line); }
header .brand { font-weight: 700; color: var(--fg); text-decoration: none; }
header nav a { margin-right: 1rem; color: var(--accent); }
header .who { margin-left: auto; color: var(--muted); font-size: .9em; }
main { max-width: 60rem; margin: 0 auto; padding: 1rem 1.2rem 3rem; }
a { color: var(--accent); }
form.query { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; margin-bottom: 1rem; }
form.query label { display: flex; flex-direction: column; font-size: .85em; color: var(--muted); }
form.query input[type=search] { width: 28rem; max-width: 100%; font-size: 1.05em; padding: .35rem .5rem; }
input, select, button { font: inherit; padding: .25rem .5rem; }
button { cursor: pointer; }
ol.hits { list-style: none; padding: 0; }
li.hit { padding: .6rem .7rem; border: 1px solid transparent; border-radius: 6px; }
li.hit.selected { border-color: var(--accent); background: #f3f7ff; }
li.hit .path { color: var(--muted); font-size: .85em; }
li.hit .ref { font-family: ui-monospace, monospace; font-size: .85em; color: var(--muted); }
li.hit .score { font-size: .85em; color: var(--muted); margin-left: .6rem; }
li.hit p.snippet { margin: .3rem 0; }
mark { background: var(--mark); color: inherit; }
.weak { border-left: 4px solid var(--bad); padding: .4rem .8rem; background: #fff5f5; }
.error { color: var(--bad); }
.doc { display: grid; grid-template-columns: 15rem 1fr; gap: 2rem; }
.doc nav.outline { position: sticky; top: 0; align-self: start; max-height: 100vh; overflow: auto; font-size: .9em; }
.doc nav.outline ul { padding-left: 1rem; margin: 0; }
.doc section { scroll-margin-top: 1rem; }
.doc section:target { background: #f3f7ff; }
pre { background: #f6f8fa; padding: .7rem; overflow: auto; border-radius: 6px; }
/* highlight.js classes (the document view highlights code on the server); colours keep 4.5:1 on the code background */
.hljs-keyword, .hljs-selector-tag, .hljs-type, .hljs-doctag { color: #b3202a; }
.hljs-string, .hljs-regexp, .hljs-addition { color: #0a3069; }
.hljs-comment, .hljs-quote, .hljs-deletion { color: #57606a; }
.hljs-title, .hljs-title.function_, .hljs-section { color: #6639ba; }
.hljs-number, .hljs-literal, .hljs-attr, .hljs-attribute, .hljs-meta, .hljs-variable, .hljs-template-variable, .hljs-symbol { color: #0550ae; }
.hljs-built_in, .hljs-params, .hljs-bullet { color: #8a3500; }
.hljs-name, .hljs-selector-id, .hljs-selector-class { color: #116329; }
.hljs-emphasis { font-style: italic; }
.hljs-strong { font-weight: 700; }
code { font-family: ui-monospace, monospace; font-size: .92em; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: .25rem .5rem; text-align: left; vertical-align: top; }
.copy { font-size: .8em; margin-left: .5rem; }
dl.figures { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
dl.figures dt { color: var(--muted); }
.signin { max-width: 24rem; }
.signin label { display: block; margin: .5rem 0; }
.sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
`;
