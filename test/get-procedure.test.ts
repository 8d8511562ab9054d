// get_procedure on the docs a new user indexes first (examples/sample-docs)
// and on a page whose heading names its task as a gerund phrase: tasks found
// by their stems, steps that keep their code. A real SQLite index built by the App.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../src/app/app.js';
import { loadConfig } from '../src/config/config.js';

const SAMPLE = join(import.meta.dirname, '..', 'examples', 'sample-docs');
const FIXTURE = join(import.meta.dirname, 'fixtures', 'procedures');
const root = mkdtempSync(join(tmpdir(), 'dg-get-procedure-'));
let sample: App;
let fixture: App;

async function open(name: string, dir: string): Promise<App> {
  const app = await App.open(loadConfig({ cwd: root, env: {}, overrides: { index: join(root, `${name}.db`) } }), { create: true });
  await app.ingest(dir);
  return app;
}

beforeAll(async () => {
  sample = await open('sample', SAMPLE);
  fixture = await open('fixture', FIXTURE);
});
afterAll(async () => {
  await sample?.close();
  await fixture?.close();
  rmSync(root, { recursive: true, force: true });
});

describe('get_procedure on the sample docs', () => {
  it('finds "roll back a release" in the numbered steps under "Roll back by hand"', async () => {
    const v = await sample.getProcedure('roll back a release');
    expect(v?.section.uri).toBe('guides/rollback.md');
    expect(v?.section.headingPath.at(-1)).toBe('Roll back by hand');
    expect(v?.steps.map((st) => st.order)).toEqual([1, 2, 3]);
  });

  it('keeps the code block that follows a step in the step text', async () => {
    const v = await sample.getProcedure('rotate the TLS certificate without downtime');
    expect(v?.section.headingPath.at(-1)).toBe('Rotate without downtime');
    const rotate = v?.steps.find((st) => st.order === 3);
    expect(rotate?.text).toMatch(/^Rotate:/);
    expect(rotate?.text).toContain('acme certs rotate --cert /etc/acme/tls/server-2025.crt --key /etc/acme/tls/server-2025.key');
    const rollback = await sample.getProcedure('roll back a release');
    expect(rollback?.steps[1]?.text).toContain('acme rollback hello --to r-0040 --wait');
  });
});

describe('get_procedure matches a task by stems', () => {
  it('finds a gerund heading from a task phrased as a verb phrase', async () => {
    const gerund = await fixture.getProcedure('creating a single executable application using postject');
    expect(gerund?.procedure.title).toMatch(/^Creating a single executable application using/);
    const verb = await fixture.getProcedure('create a single executable application');
    expect(verb?.procedure.id).toBe(gerund?.procedure.id);
    expect(verb?.steps).toHaveLength(6);
    expect(verb?.steps[4]?.text).toContain('npx postject hello NODE_SEA_BLOB sea-prep.blob');
  });

  it('still finds nothing for a task the docs do not cover', async () => {
    expect(await fixture.getProcedure('bake a sourdough loaf')).toBeUndefined();
  });
});
