import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from './main.js';

/** Every command's full `--help` text, by path. */
function helps(): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (c: Command, path: string[]): void => {
    for (const sub of c.commands) {
      let text = '';
      sub.configureOutput({ writeOut: (s) => (text += s), writeErr: () => {} });
      sub.outputHelp();
      out.set([...path, sub.name()].join(' '), text);
      walk(sub, [...path, sub.name()]);
    }
  };
  walk(buildProgram(() => {}), []);
  return out;
}

describe('--help teaches by example', () => {
  it('every command and command group ends its help with examples that use it', () => {
    const all = helps();
    expect(all.size).toBeGreaterThanOrEqual(20);
    for (const [path, text] of all) {
      expect(text, path).toMatch(/\nExamples:\n/);
      expect(text, path).toContain(`$ docgraph ${path.split(' ')[0]}`);
    }
  });
});
