/** Rewrites the generated key table in docs/configuration.md from the config schema. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { configTable } from '../src/config/reference.js';

const START = '<!-- generated from src/config/config.ts by `npm run docs:config`; a test keeps it in sync -->';
const END = '<!-- end generated -->';
const path = join(import.meta.dirname, '..', 'docs', 'configuration.md');
const text = readFileSync(path, 'utf8');
const a = text.indexOf(START);
const b = text.indexOf(END);
if (a < 0 || b < a) {
  console.error(`${path}: generated-block markers not found`);
  process.exit(1);
}
writeFileSync(path, text.slice(0, a + START.length) + '\n' + configTable() + '\n' + text.slice(b));
console.log(`updated ${path}`);
