// Issue 16: the web console end to end, in real headless Chromium (Debian's /usr/bin/chromium, driven by
// playwright-core) against real `docgraph serve` child processes over an index of examples/sample-docs:
// search from the box and from a URL, keyboard navigation, opening a hit on its anchor, the document view,
// the operations page hidden for a read key, DLQ retry as admin, an entity's graph drawn. axe-core runs on each page (no serious or
// critical violation) and each page is saved as a screenshot under the test's temp folder;
// DOCGRAPH_UPDATE_IMAGES=1 also writes docs/images/console-search.png for the README.
import { cpSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repo, run, workspace } from './helpers/docgraph.js';
import { getJson, serveIn, type Served } from './helpers/serve.js';

const CHROMIUM = '/usr/bin/chromium';
const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
let ws: ReturnType<typeof workspace>;
let open: Served;
let locked: Served;
let browser: Browser;
let shots: string;
const keys: Record<'read' | 'admin', string> = { read: '', admin: '' };

async function createKey(scope: string): Promise<string> {
  const r = await run(ws.dir, ['keys', 'create', '--scope', scope, '--name', scope, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { key: string }).key;
}

/** An expression evaluated in the page (a string: this file is typed without the DOM library). */
const js = <T>(page: Page, expression: string): Promise<T> => page.evaluate(expression) as Promise<T>;

/** axe-core on the page as it is: the serious and critical violations (none expected), and a screenshot. */
async function check(page: Page, name: string): Promise<void> {
  await page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  await page.addScriptTag({ content: axeSource });
  const violations = await js<unknown[]>(
    page,
    `axe.run(document).then((r) => r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target) })))`,
  );
  expect(violations, `${name}: axe violations`).toEqual([]);
}

beforeAll(async () => {
  expect(existsSync(join(repo, 'dist', 'console', 'client', 'client.js')), 'the console client is built by `npm run build`').toBe(true);
  expect(existsSync(CHROMIUM), `${CHROMIUM} (apt-get install -y --no-install-recommends chromium)`).toBe(true);
  ws = workspace({}, 'dg-console-');
  shots = join(ws.dir, 'screenshots');
  mkdirSync(shots);
  cpSync(join(repo, 'examples', 'sample-docs'), ws.docs, { recursive: true });
  // a file that cannot be parsed: a permanent failure, in the DLQ at once
  writeFileSync(join(ws.docs, 'broken.md'), Buffer.from([0x23, 0x20, 0x00, 0x01, 0x02, 0xff, 0x00, 0x10]));
  const ingest = await run(ws.dir, ['ingest', 'docs']);
  expect(ingest.code, ingest.stderr).toBe(0);
  keys.read = await createKey('read');
  keys.admin = await createKey('admin');
  [open, locked, browser] = await Promise.all([
    serveIn(ws.dir),
    serveIn(ws.dir, ['--require-key']),
    chromium.launch({ executablePath: CHROMIUM, args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'] }),
  ]);
}, 120_000);

afterAll(async () => {
  await browser?.close();
  expect(await Promise.all([open?.stop(), locked?.stop()])).toEqual([0, 0]);
  if (ws && process.env.DOCGRAPH_KEEP_SCREENSHOTS === undefined) rmSync(ws.dir, { recursive: true, force: true });
});

describe('web console on an open (loopback) server', () => {
  it('/ redirects to /search; a query typed in the box puts the state in the URL and lists hits with path, snippet marks, citation, score and why', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    await page.goto(`${open.url}/`);
    expect(new URL(page.url()).pathname).toBe('/search');
    await check(page, 'search-empty');
    // the empty page focuses the box itself; from elsewhere, / does
    await js(page, 'document.activeElement?.blur()');
    expect(await js(page, 'document.activeElement?.id')).not.toBe('q');
    await page.keyboard.press('/');
    expect(await js(page, 'document.activeElement?.id')).toBe('q');
    await page.keyboard.type('rotate the tls certificate');
    await Promise.all([page.waitForURL(/\/search\?/), page.keyboard.press('Enter')]);
    const url = new URL(page.url());
    expect(url.searchParams.get('q')).toBe('rotate the tls certificate');
    // the search was fetched and swapped in: the document is still the one first opened
    expect(await js(page, `performance.getEntriesByType('navigation')[0].name`)).toBe(`${open.url}/search`);
    const first = page.locator('li.hit').first();
    expect(await first.locator('.ref').textContent()).toBe('guides/rotate-tls-certificate.md#rotate-the-tls-certificate');
    expect(await first.locator('.path').textContent()).toBe('Rotate the TLS certificate');
    expect(await first.locator('p.snippet mark').count()).toBeGreaterThan(0);
    expect(await first.locator('.score').textContent()).toMatch(/^score \d\.\d{3} · confidence \d\.\d\d$/);
    expect(await first.locator('details').getAttribute('open')).toBeNull();
    await first.locator('summary').click();
    expect(await first.locator('details li').first().textContent()).toMatch(/^(lexical|vector|entity|graph|prior|page): rank \d+/);
    expect(await page.locator('#no-good-answer').count()).toBe(0);
    // a hit the graph brought through an entity links to that entity's page
    const entity = page.locator('li.hit .entities a').first();
    const name = (await entity.textContent())!;
    expect(await entity.getAttribute('href')).toBe(`/entity/${encodeURIComponent(name)}`);
    await check(page, 'search');
    if (process.env.DOCGRAPH_UPDATE_IMAGES === '1') copyFileSync(join(shots, 'search.png'), join(repo, 'docs', 'images', 'console-search.png'));
    await Promise.all([page.waitForURL(/\/entity\//), entity.click()]);
    expect(await page.locator('main h1').textContent()).toContain(name);
    await page.close();
  });

  it('a search from a URL keeps its filters; a question the docs do not cover says "no good answer"', async () => {
    const page = await browser.newPage();
    await page.goto(`${open.url}/search?q=ACME_E1042&mode=lexical&uri_prefix=reference/`);
    expect(await page.locator('#q').inputValue()).toBe('ACME_E1042');
    expect(await page.locator('select[name=mode]').inputValue()).toBe('lexical');
    const refs = await page.locator('li.hit .ref').allTextContents();
    expect(refs[0]).toBe('reference/errors.md#acme_e1042-health-check-timed-out');
    expect(refs.every((r) => r.startsWith('reference/'))).toBe(true);
    await page.goto(`${open.url}/search?q=${encodeURIComponent('sourdough starter hydration ratio')}`);
    await expect.poll(() => page.locator('#no-good-answer').count()).toBe(1);
    await page.goto(`${open.url}/search?q=x&mode=psychic`);
    expect(await page.locator('p.error').textContent()).toContain('mode must be one of graph, fused, lexical, vector');
    await page.close();
  });

  it('↑/↓ move between hits, Enter opens one on its anchor; the document view has the outline, in-console links and copy citation', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 700 } });
    await page.goto(`${open.url}/search?q=${encodeURIComponent('certificate has expired')}`);
    const refs = await page.locator('li.hit .ref').allTextContents();
    expect(refs.length).toBeGreaterThan(2);
    await page.locator('#q').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    expect(await page.locator('li.hit.selected .ref').textContent()).toBe(refs[1]);
    await Promise.all([page.waitForURL(/\/doc\//), page.keyboard.press('Enter')]);
    const [uri, anchor] = refs[1]!.split('#') as [string, string];
    // the only source of the index is the sample docs, ingested as the folder docs/
    expect(decodeURIComponent(new URL(page.url()).pathname)).toBe(`/doc/docs/${uri}`);
    expect(decodeURIComponent(new URL(page.url()).hash)).toBe(`#${anchor}`);
    expect(await js(page, `document.querySelector(':target')?.id`)).toBe(anchor);
    // the anchor's section is scrolled into view
    const box = await page.locator(`section[id="${anchor}"]`).boundingBox();
    expect(box!.y).toBeGreaterThanOrEqual(-1);
    expect(box!.y).toBeLessThan(700);
    await check(page, 'document');

    // an old path without the source still works: one source holds it, so it moves there, anchor kept
    await page.goto(`${open.url}/doc/reference/errors.md#x509-certificate-has-expired`);
    expect(new URL(page.url()).pathname).toBe('/doc/docs/reference/errors.md');
    expect(await js(page, `document.querySelector(':target')?.id`)).toBe('x509-certificate-has-expired');
    expect(await page.locator('article p.ref .source').textContent()).toBe('docs');
    expect(await page.locator('nav.outline a').count()).toBeGreaterThan(5);
    expect(await page.locator('pre code').count()).toBeGreaterThan(0);
    const link = page.locator('section[id="x509-certificate-has-expired"] a').first();
    expect(await link.getAttribute('href')).toBe('/doc/docs/guides/rotate-tls-certificate.md#rotate-without-downtime');
    const copy = page.locator('section[id="x509-certificate-has-expired"] button.copy');
    await copy.click();
    await expect.poll(() => copy.getAttribute('data-copied')).toBe('reference/errors.md#x509-certificate-has-expired');
    await Promise.all([page.waitForURL(/rotate-tls-certificate/), link.click()]);
    expect(await js(page, `document.querySelector(':target')?.id`)).toBe('rotate-without-downtime');
    await page.goto(`${open.url}/doc/no/such.md`);
    expect(await page.locator('main h1').textContent()).toBe('Not found');
    await page.goto(`${open.url}/doc/docs/no/such.md`);
    expect(await page.locator('main h1').textContent()).toBe('Not found');
    // code blocks are highlighted on the server (highlight.js classes; no script for it in the page)
    await page.goto(`${open.url}/doc/docs/reference/configuration.md`);
    const yaml = page.locator('pre code.hljs.language-yaml').first();
    expect(await yaml.locator('span.hljs-attr').first().textContent()).toContain('deploy');
    expect(await page.locator('script[src*="highlight"]').count()).toBe(0);
    await check(page, 'document-code');
    await page.close();
  });
});

describe('entity view', () => {
  it('shows an entity with where it is defined and draws its neighbourhood with Cytoscape.js (more than one node)', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${open.url}/entity/ACME_E1042`);
    expect(await page.locator('main h1').textContent()).toMatch(/^ACME_E1042 \(\w+\)$/);
    expect(await page.locator('#defined-in a').first().getAttribute('href')).toBe('/doc/docs/reference/errors.md#acme_e1042-health-check-timed-out');
    await expect.poll(() => page.locator('#graph').getAttribute('data-nodes'), { timeout: 15_000 }).not.toBeNull();
    expect(Number(await page.locator('#graph').getAttribute('data-nodes'))).toBeGreaterThan(1);
    expect(await page.locator('#graph canvas').count()).toBeGreaterThan(0);
    await check(page, 'entity');
    if (process.env.DOCGRAPH_UPDATE_IMAGES === '1') copyFileSync(join(shots, 'entity.png'), join(repo, 'docs', 'images', 'console-entity.png'));
    await page.goto(`${open.url}/entity/NO_SUCH_THING_XYZ`);
    expect(await page.locator('main h1').textContent()).toBe('Not found');
    await page.close();
  });
});

describe('web console on a server that requires a key', () => {
  it('signs in with a read key: search works, the operations page and its actions are not shown', async () => {
    const page = await browser.newPage();
    await page.goto(`${locked.url}/search?q=rollback`);
    expect(await page.locator('#signin').count()).toBe(1);
    expect(await page.locator('li.hit').count()).toBe(0);
    await check(page, 'sign-in');
    await page.fill('#key', keys.read);
    await page.click('#signin button[type=submit]');
    await expect.poll(() => page.locator('li.hit').count()).toBeGreaterThan(0);
    expect(await js(page, `sessionStorage.getItem('docgraph.apiKey')`)).toBe(keys.read);
    expect(await page.locator('header nav a').allTextContents()).toEqual(['Search']);
    // a typed search goes out with the key too
    await page.fill('#q', 'deploy');
    await Promise.all([page.waitForURL(/q=deploy/), page.keyboard.press('Enter')]);
    await expect.poll(() => page.locator('li.hit').count()).toBeGreaterThan(0);
    await page.goto(`${locked.url}/ops`);
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Forbidden');
    expect(await page.locator('button[data-action]').count()).toBe(0);
    await page.close();
  });

  it('an admin sees the operations page and retries a dead job through REST', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
    await page.goto(`${locked.url}/ops`);
    await page.fill('#key', keys.admin);
    await page.click('#signin button[type=submit]');
    await expect.poll(() => page.locator('header nav a').allTextContents()).toEqual(['Search', 'Operations']);
    const row = page.locator('#dlq tr[data-job]');
    expect(await row.count()).toBe(1);
    expect(await row.locator('td').nth(1).textContent()).toBe('broken.md');
    const id = (await row.getAttribute('data-job'))!;
    expect(await page.locator('#queue').textContent()).toContain('dead');
    await check(page, 'ops');
    // the cause is fixed: a retry requeues the job, the page follows it until the DLQ is empty
    writeFileSync(join(ws.docs, 'broken.md'), '# Fixed\n\nReadable now.\n');
    const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith(`/v1/dlq/${id}/retry`)), row.locator('button[data-action=retry]').click()]);
    expect(res.status()).toBe(200);
    expect(res.request().headers().authorization).toBe(`Bearer ${keys.admin}`);
    expect(((await res.json()) as { requeued: string[] }).requeued).toEqual([id]);
    await expect.poll(() => page.locator('#dlq-empty').count(), { timeout: 20_000 }).toBe(1);
    await page.close();
  });
});

describe('sources on the operations page (admin), versions and one uri in several sources', () => {
  /** A folder of Markdown beside the sample docs: reference/errors.md (the path the sample docs hold too) and a guide with code. */
  const folder = (name: string, version: string): string => {
    const dir = join(ws.dir, name);
    mkdirSync(join(dir, 'reference'), { recursive: true });
    writeFileSync(join(dir, 'reference', 'errors.md'), `# Acme errors ${version}\n\n## ACME_E7001: Widget jammed\n\nThe widget of release ${version} jammed. Clear it with \`acme unjam\`.\n`);
    writeFileSync(join(dir, 'widgets.md'), `# Widgets ${version}\n\nWidgets turn the crank of release ${version}.\n\n\`\`\`js\nconst crank = turn("widget"); // ${version}\n\`\`\`\n`);
    return dir;
  };
  const row = (page: Page, label: string) => page.locator(`#sources tr[data-source="${label}"]`);

  it('an admin adds two versions of a source, refreshes one and removes one; the page follows the ingest', async () => {
    const v1 = folder('acme-1', '1.0');
    const v2 = folder('acme-2', '2.0');
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('dialog', (d) => void d.accept());
    await page.goto(`${locked.url}/ops`);
    await page.fill('#key', keys.admin);
    await page.click('#signin button[type=submit]');
    await expect.poll(() => page.locator('#sources tr[data-source]').count()).toBe(1);
    expect(await row(page, 'docs').locator('td').nth(2).textContent()).toMatch(/^\d+$/);
    expect(await page.locator('#drift').textContent()).toBe('no verify yet (run docgraph verify)');
    for (const [dir, version] of [[v1, '1.0'], [v2, '2.0']] as const) {
      await page.fill('#add-source input[name=location]', dir);
      await page.fill('#add-source input[name=name]', 'acme');
      await page.fill('#add-source input[name=version]', version);
      const [res] = await Promise.all([page.waitForResponse((r) => r.url().endsWith('/ops/sources')), page.click('#add-source button[type=submit]')]);
      expect(res.status()).toBe(200);
      expect(res.request().headers().authorization).toBe(`Bearer ${keys.admin}`);
      await expect.poll(() => page.locator('#ops-message').textContent(), { timeout: 20_000 }).toBe(`added acme@${version}: 2 files queued`);
      // the server's worker indexes them; the page refreshes itself until the queue is idle
      await expect.poll(() => row(page, `acme@${version}`).locator('td').nth(2).textContent(), { timeout: 30_000 }).toBe('2');
    }
    // a location that is no folder: refused with the reason, nothing registered
    await page.fill('#add-source input[name=location]', join(ws.dir, 'no-such-folder'));
    await page.fill('#add-source input[name=name]', 'ghost');
    await page.fill('#add-source input[name=version]', '');
    await page.click('#add-source button[type=submit]');
    await expect.poll(() => page.locator('#ops-message.error').count(), { timeout: 20_000 }).toBe(1);
    expect(await page.locator('#ops-message').textContent()).toContain('no-such-folder');
    expect(await page.locator('#sources tr[data-source]').count()).toBe(3);
    await check(page, 'ops-sources');
    if (process.env.DOCGRAPH_UPDATE_IMAGES === '1') copyFileSync(join(shots, 'ops-sources.png'), join(repo, 'docs', 'images', 'console-ops.png'));

    // refresh: the changed file is indexed again
    writeFileSync(join(v2, 'widgets.md'), '# Widgets 2.0\n\nWidgets of release 2.0 now spin a flywheel.\n');
    await row(page, 'acme@2.0').locator('button[data-action=source-refresh]').click();
    await expect.poll(() => page.locator('#ops-message').textContent(), { timeout: 20_000 }).toBe('refreshed acme@2.0: 1 files queued');
    await expect.poll(async () => (await getJson(`${open.url}/v1/search?q=flywheel&mode=lexical&limit=3`)).body.hits?.[0]?.ref, { timeout: 30_000 }).toBe('acme@2.0:widgets.md#widgets-20');

    // remove: the documents leave, then the source
    await row(page, 'acme@1.0').locator('button[data-action=source-remove]').click();
    await expect.poll(() => page.locator('#ops-message').textContent(), { timeout: 30_000 }).toBe('removed acme@1.0 (2 documents)');
    expect(await row(page, 'acme@1.0').count()).toBe(0);
    // drift: the figures the last `docgraph verify` kept in the index
    await run(ws.dir, ['verify']);
    await page.reload();
    await expect.poll(() => page.locator('#drift').textContent(), { timeout: 20_000 }).toMatch(/^\d+\.\d% \(\d+ of [1-9]\d* checked wrong\) at the last verify, \d{4}-\d\d-\d\dT/);
    await page.close();
    // acme@1.0 back, for the version filter below
    await run(ws.dir, ['add', v1, '--name', 'acme', '--version', '1.0']).then((r) => expect(r.code, r.stderr).toBe(0));
  });

  it('a read key sees no source actions, and the routes refuse it; a request without the console header is refused', async () => {
    const form = new URLSearchParams({ source: 'acme@2.0' });
    const asRead = await getJson(`${locked.url}/ops/sources/refresh`, keys.read, { method: 'POST', body: form, headers: { 'x-console-action': '1' } });
    expect(asRead.status).toBe(403);
    expect(asRead.body.error.code).toBe('FORBIDDEN');
    const noHeader = await getJson(`${open.url}/ops/sources/remove`, undefined, { method: 'POST', body: form });
    expect(noHeader.status).toBe(400);
    expect(noHeader.body.error.message).toContain('x-console-action');
    const page = await browser.newPage();
    await page.goto(`${locked.url}/ops`);
    await page.fill('#key', keys.read);
    await page.click('#signin button[type=submit]');
    await expect.poll(() => page.locator('main h1').textContent()).toBe('Forbidden');
    expect(await page.locator('#sources, #add-source, button[data-action]').count()).toBe(0);
    await page.close();
  });

  it('the version filter picks one version; a hit links to its source\'s document', async () => {
    const page = await browser.newPage();
    await page.goto(`${open.url}/search?q=${encodeURIComponent('widget jammed')}&source=acme&mode=lexical`);
    expect(await page.locator('select[name=version] option').allTextContents()).toEqual(['all', '1.0', '2.0']);
    const all = await page.locator('li.hit .ref').allTextContents();
    expect(all.filter((r) => r.startsWith('acme@1.0:')).length).toBeGreaterThan(0);
    expect(all.filter((r) => r.startsWith('acme@2.0:')).length).toBeGreaterThan(0);
    await page.selectOption('select[name=version]', '2.0');
    await Promise.all([page.waitForURL(/version=2\.0/), page.click('form.query button[type=submit]')]);
    const refs = await page.locator('li.hit .ref').allTextContents();
    expect(refs.length).toBeGreaterThan(0);
    expect(refs.every((r) => r.startsWith('acme@2.0:'))).toBe(true);
    expect(await page.locator('li.hit a.hit-link').first().getAttribute('href')).toMatch(/^\/doc\/acme%402\.0\/reference\/errors\.md#/);
    await check(page, 'search-version');
    await page.close();
  });

  it('/doc/<source>/<uri> shows each source\'s document; /doc/<uri> that several sources hold lists them', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 800 } });
    const res = await page.goto(`${open.url}/doc/reference/errors.md`);
    expect(res?.status()).toBe(300);
    expect(await page.locator('main h1').textContent()).toBe('Which source?');
    const candidates = page.locator('#candidates a');
    expect((await candidates.allTextContents()).sort()).toEqual(['acme@1.0: reference/errors.md', 'acme@2.0: reference/errors.md', 'docs: reference/errors.md']);
    await check(page, 'document-ambiguous');
    await Promise.all([page.waitForURL(/acme%402\.0/), page.locator('#candidates a', { hasText: 'acme@2.0' }).click()]);
    expect(await page.locator('article h1').first().textContent()).toContain('Acme errors 2.0');
    expect(await page.locator('article p.ref .source').textContent()).toBe('acme@2.0');
    // several sources: citations name theirs
    expect(await page.locator('article section button.copy').first().getAttribute('data-citation')).toBe('acme@2.0:reference/errors.md#acme-errors-20');
    await page.goto(`${open.url}/doc/acme@1.0/reference/errors.md#acme_e7001-widget-jammed`);
    expect(await page.locator('article h1').first().textContent()).toContain('Acme errors 1.0');
    expect(await js(page, `document.querySelector(':target')?.id`)).toBe('acme_e7001-widget-jammed');
    // the sample docs at their own path; a highlighted js block in acme 1.0
    await page.goto(`${open.url}/doc/docs/reference/errors.md`);
    expect(await page.locator('article h1').first().textContent()).toContain('Errors and troubleshooting');
    await page.goto(`${open.url}/doc/acme@1.0/widgets.md`);
    expect(await page.locator('pre code.hljs.language-js span.hljs-comment').textContent()).toBe('// 1.0');
    // a path only one source holds still moves to it
    await page.goto(`${open.url}/doc/guides/rollback.md`);
    expect(new URL(page.url()).pathname).toBe('/doc/docs/guides/rollback.md');
    await page.close();
  });
});
