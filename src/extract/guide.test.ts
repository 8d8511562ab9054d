import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { EntityType } from '../domain/types.js';
import { extract } from '../../test/fixtures/extract/harness.js';

/**
 * A prose-heavy operations guide (nginx + PostgreSQL), unlike the reference
 * docs of the precision set: every entity it yields is listed, so a rule that
 * starts reading prose, versions, paths or values as entities fails here.
 */
const GUIDE = readFileSync(new URL('../../test/fixtures/extract/ops-guide.md', import.meta.url), 'utf8');

describe('an operations guide', () => {
  const doc = extract('ops-guide.md', GUIDE);
  const byType = (t: EntityType): string[] => doc.names(t);

  it('yields exactly the expected entities', () => {
    expect(byType('Command')).toEqual(['ALTER SYSTEM', 'CREATE INDEX', 'INSERT', 'SELECT', 'apt-get install', 'apt-get update', 'nginx', 'psql', 'systemctl reload']);
    expect(byType('ConfigParameter')).toEqual(['NGINX_ENVSUBST_TEMPLATE_DIR', 'apt-get install -y', 'nginx -t', 'psql -U', 'work_mem', 'worker_connections']);
    expect(byType('ErrorCode')).toEqual(['23505', 'EADDRINUSE']);
    expect(byType('ErrorMessage')).toEqual(['Error: duplicate key value violates unique constraint']);
    expect(byType('Concept')).toEqual(['upstream', 'worker process']);
    expect(byType('Procedure')).toEqual(['Operating the web tier > Installing nginx', 'Operating the web tier > Tuning PostgreSQL > Raise the memory for sorts']);
    expect(byType('Step')).toHaveLength(6);
    expect(byType('APISymbol')).toEqual([]);
  });

  it('reads settings with their defaults and units', () => {
    expect(doc.entity('ConfigParameter', 'work_mem')?.attributes).toEqual({ default: '4MB', kind: 'setting', unit: 'kilobytes', valueType: 'integer' });
    expect(doc.entity('ConfigParameter', 'worker_connections')?.attributes).toEqual({ default: '512', kind: 'setting' });
  });

  it('links troubleshooting sections to the errors they fix', () => {
    const resolves = doc.edges
      .filter((e) => e.type === 'RESOLVES')
      .map((e) => [doc.input.sections.find((s) => s.id === e.src)?.heading, doc.entities.find((x) => x.id === e.dst)?.name])
      .sort();
    expect(resolves).toEqual([
      ['Error: duplicate key value violates unique constraint', '23505'],
      ['Error: duplicate key value violates unique constraint', 'Error: duplicate key value violates unique constraint'],
      ['Port 80 is already in use', 'EADDRINUSE'],
    ]);
  });

  it('keeps step text as written, code included', () => {
    expect(doc.entity('Step', 'Operating the web tier > Tuning PostgreSQL > Raise the memory for sorts > step 3')?.attributes.text).toBe(
      'Reload the server with `SELECT pg_reload_conf();`',
    );
  });
});
