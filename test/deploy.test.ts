// Issue 14 item 9: the deploy artifacts in deploy/ are checked as far as this machine can (there is no Docker
// engine or cluster): every YAML parses, the Kubernetes objects are the ones the runbook names, with the probes
// on the right paths, the ConfigMap's config loads through the real schema, the Dockerfile keeps dev
// dependencies and root out of the final stage, promtool checks and unit-tests the alert rules (promtool comes
// from Debian's `prometheus` package, installed by .ci/run; missing is a failure, never a skip), and every metric
// the rules and the Grafana dashboard name is exposed by a real `docgraph serve` child process at /metrics.
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { loadConfig } from '../src/config/config.js';
import { repo } from './helpers/docgraph.js';
import { getJson, servedWorkspace, type Served, type Workspace } from './helpers/serve.js';

const exec = promisify(execFile);
const deploy = join(repo, 'deploy');

/** Series Prometheus makes itself for every target (not on /metrics): the rules may name these. */
const PROMETHEUS_OWN = new Set(['up']);

function files(dir: string, ext: RegExp): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return files(path, ext);
    return ext.test(name) ? [path] : [];
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- manifests are read field by field and checked by expect
type Doc = any;

function yamlDocs(path: string): Doc[] {
  const docs = parseAllDocuments(readFileSync(path, 'utf8'));
  for (const d of docs) expect(d.errors.map((e) => e.message), relative(repo, path)).toEqual([]);
  return docs.map((d) => d.toJS() as Doc).filter((d) => d !== null);
}

/**
 * The metric names a PromQL expression reads: every identifier that is not a
 * function (followed by "("), a keyword, a label (inside {…}, by (…),
 * without (…), on (…), ignoring (…)) or part of a string, range or variable.
 */
function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '')
    .replace(/\[[^\]]*\]/g, '')
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, '')
    .replace(/\$\{?\w+\}?/g, '');
  const keywords = new Set(['by', 'without', 'and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'bool', 'offset', 'inf', 'nan']);
  const names = new Set<string>();
  for (const m of bare.matchAll(/(?<![\w.])([a-zA-Z_:][\w:]*)(\s*\()?/g)) {
    if (m[2] !== undefined || keywords.has(m[1]!.toLowerCase())) continue;
    names.add(m[1]!);
  }
  return [...names];
}

let ws: Workspace;
let served: Served;
const tmp: string[] = [];
beforeAll(async () => {
  ({ ws, served } = await servedWorkspace('dg-deploy-'));
}, 120_000);
afterAll(async () => {
  expect(await served?.stop()).toBe(0);
  for (const d of [ws?.dir, ...tmp]) if (d) rmSync(d, { recursive: true, force: true });
});

describe('deploy/', () => {
  it('every YAML file parses', () => {
    const all = files(deploy, /\.ya?ml$/);
    expect(all.length).toBeGreaterThanOrEqual(15);
    for (const f of all) expect(yamlDocs(f).length, relative(repo, f)).toBeGreaterThan(0);
    // and the dashboard is JSON
    expect(() => JSON.parse(readFileSync(join(deploy, 'grafana', 'dashboard.json'), 'utf8'))).not.toThrow();
  });

  it('Kubernetes: serve ×3 with readiness /health/ready and liveness /health, worker, Service, Ingress, HPA, PDB, ConfigMap, Secret', () => {
    const k8s = join(deploy, 'k8s');
    const kustomization = parse(readFileSync(join(k8s, 'kustomization.yaml'), 'utf8')) as { resources: string[] };
    const manifests = readdirSync(k8s).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...kustomization.resources].sort()).toEqual(manifests.sort());
    const objects = manifests.flatMap((f) => yamlDocs(join(k8s, f)));
    for (const o of objects) {
      expect(o.apiVersion, JSON.stringify(o.metadata)).toEqual(expect.any(String));
      expect(o.metadata?.name).toEqual(expect.any(String));
    }
    const byKind = (kind: string): Doc[] => objects.filter((o) => o.kind === kind);
    for (const kind of ['Service', 'Ingress', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'Secret']) expect(byKind(kind), kind).toHaveLength(1);

    const serve = byKind('Deployment').find((d) => d.metadata.name === 'docgraph-serve');
    const worker = byKind('Deployment').find((d) => d.metadata.name === 'docgraph-worker');
    expect(serve.spec.replicas).toBe(3);
    const c = serve.spec.template.spec.containers[0];
    expect(c.args).toContain('serve');
    expect(c.readinessProbe.httpGet).toMatchObject({ path: '/health/ready', port: 'http' });
    expect(c.livenessProbe.httpGet).toMatchObject({ path: '/health', port: 'http' });
    expect(worker.spec.template.spec.containers[0].args).toContain('worker');
    for (const d of [serve, worker]) {
      expect(d.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true });
      expect(d.spec.template.spec.securityContext.runAsUser).toBeGreaterThan(0);
      // the selector picks the pods this Deployment makes
      expect(d.spec.template.metadata.labels).toMatchObject(d.spec.selector.matchLabels);
    }
    // Service, PDB and HPA point at the serve pods / Deployment
    expect(serve.spec.template.metadata.labels).toMatchObject(byKind('Service')[0].spec.selector);
    expect(serve.spec.template.metadata.labels).toMatchObject(byKind('PodDisruptionBudget')[0].spec.selector.matchLabels);
    expect(byKind('HorizontalPodAutoscaler')[0].spec.scaleTargetRef).toMatchObject({ kind: 'Deployment', name: 'docgraph-serve' });
    expect(byKind('HorizontalPodAutoscaler')[0].spec.minReplicas).toBeGreaterThanOrEqual(3);
    expect(byKind('Ingress')[0].spec.rules[0].http.paths[0].backend.service.name).toBe(byKind('Service')[0].metadata.name);
  });

  it("the ConfigMap's docgraph.config.yaml loads through the real config schema", () => {
    const cm = yamlDocs(join(deploy, 'k8s', 'configmap.yaml'))[0];
    const dir = mkdtempSync(join(tmpdir(), 'dg-deploy-config-'));
    tmp.push(dir);
    const file = join(dir, 'docgraph.config.yaml');
    writeFileSync(file, cm.data['docgraph.config.yaml']);
    const secret = yamlDocs(join(deploy, 'k8s', 'secret.yaml'))[0].stringData as Record<string, string>;
    const config = loadConfig({ cwd: dir, file, env: secret });
    expect(config.server).toMatchObject({ host: '0.0.0.0', port: 7700, requireKey: true });
    expect(config.store).toMatch(/^postgres:\/\//);
  });

  it('Dockerfile: multi-stage, runtime dependencies only (npm ci --omit=dev), non-root, HEALTHCHECK on /health', () => {
    const text = readFileSync(join(deploy, 'Dockerfile'), 'utf8');
    const stages = text.split(/^FROM /m).slice(1);
    expect(stages.length).toBeGreaterThanOrEqual(3);
    const final = stages[stages.length - 1]!;
    const copiedModules = /COPY --from=(\S+) \/app\/node_modules/.exec(final)?.[1];
    expect(copiedModules, 'the final stage copies node_modules from a stage').toBeDefined();
    const depsStage = stages.find((s) => new RegExp(`AS ${copiedModules}\\s`).test(s))!;
    expect(depsStage).toMatch(/npm ci --omit=dev/);
    expect(final).not.toMatch(/npm (ci|install)/);
    const user = /^USER (\S+)/m.exec(final)?.[1];
    expect(user).toBeDefined();
    expect(user!.split(':')[0]).not.toMatch(/^(0|root)$/);
    expect(final).toMatch(/^HEALTHCHECK [\s\S]*\/health'/m);
    // compose builds it from the repository root
    const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as Doc;
    expect(compose['x-docgraph'].build).toMatchObject({ context: '..', dockerfile: 'deploy/Dockerfile' });
  });

  it('compose: serve and worker, PostgreSQL and Redis under a profile, Prometheus and Grafana under another, mounted files exist', () => {
    const compose = parse(readFileSync(join(deploy, 'compose.yaml'), 'utf8'), { merge: true }) as Doc;
    const s = compose.services;
    expect(s.serve.command).toContain('serve');
    expect(s.worker.command).toContain('worker');
    expect(s.serve.profiles).toBeUndefined();
    expect(s.postgres.profiles).toEqual(['postgres']);
    expect(s.redis.profiles).toEqual(['postgres']);
    expect(s.prometheus.profiles).toEqual(['monitoring']);
    expect(s.grafana.profiles).toEqual(['monitoring']);
    for (const svc of [s.prometheus, s.grafana]) {
      for (const v of svc.volumes as string[]) {
        const host = v.split(':')[0]!;
        expect(() => statSync(join(deploy, host)), v).not.toThrow();
      }
    }
  });

  it('promtool checks the rules and the Prometheus config, and the rules pass their unit tests', async () => {
    const promtool = async (args: string[]): Promise<string> => {
      try {
        const r = await exec('promtool', args, { cwd: join(deploy, 'prometheus') });
        return r.stdout + r.stderr;
      } catch (e) {
        const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
        if (err.code === 'ENOENT') throw new Error('promtool is missing: apt-get install -y --no-install-recommends prometheus (what .ci/run does)');
        throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
      }
    };
    expect(await promtool(['check', 'rules', 'alerts.yaml'])).toMatch(/SUCCESS: \d+ rules found/);
    expect(await promtool(['test', 'rules', 'alerts.test.yaml'])).toMatch(/SUCCESS/);
    expect(await promtool(['check', 'config', '--syntax-only', 'prometheus.yml'])).toMatch(/SUCCESS/);
  });

  it('every metric the alert rules and the dashboard name is exposed by a real docgraph serve at /metrics', async () => {
    const scraped = await getJson(`${served.url}/metrics`);
    expect(scraped.status).toBe(200);
    const families = new Map([...(scraped.body as string).matchAll(/^# TYPE (\S+) (\S+)/gm)].map((m) => [m[1]!, m[2]!]));
    const exposed = (name: string): boolean => {
      if (families.has(name)) return true;
      const base = /^(.*)_(bucket|count|sum)$/.exec(name)?.[1];
      return base !== undefined && ['histogram', 'summary'].includes(families.get(base) ?? '');
    };

    const rules = parse(readFileSync(join(deploy, 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; expr: string }[] }[] };
    const alerts = rules.groups.flatMap((g) => g.rules);
    const dashboard = JSON.parse(readFileSync(join(deploy, 'grafana', 'dashboard.json'), 'utf8')) as { panels: { title: string; targets: { expr: string }[] }[] };
    const queries = [...alerts.map((r) => ({ where: `alert ${r.alert}`, expr: r.expr })), ...dashboard.panels.flatMap((p) => p.targets.map((t) => ({ where: `panel ${p.title}`, expr: t.expr })))];
    expect(queries.length).toBeGreaterThan(20);
    const used = new Set<string>();
    for (const q of queries) {
      const names = metricNames(q.expr);
      expect(names.length, `${q.where} reads no metric: ${q.expr}`).toBeGreaterThan(0);
      for (const n of names) {
        used.add(n);
        expect(exposed(n) || (PROMETHEUS_OWN.has(n) && q.where.startsWith('alert')), `${q.where} reads ${n}, which /metrics does not expose`).toBe(true);
      }
    }
    // the alerts the issue asks for read the metrics that measure them
    for (const n of ['docgraph_search_duration_seconds_bucket', 'docgraph_http_requests_total', 'docgraph_queue_oldest_pending_age_seconds', 'docgraph_dlq_size', 'docgraph_verify_drift_ratio', 'docgraph_ready']) expect(used).toContain(n);
    // and the extractor itself sees through functions, labels, ranges and keywords
    expect(metricNames('histogram_quantile(0.95, sum by (le) (rate(x_bucket{a="b"}[5m]))) > 0.5 and sum(rate(y[$__rate_interval])) > 0 or z offset 30m')).toEqual(['x_bucket', 'y', 'z']);
  });

  it('docs/operations.md has a runbook section for every alert', () => {
    const doc = readFileSync(join(repo, 'docs', 'operations.md'), 'utf8');
    const rules = parse(readFileSync(join(deploy, 'prometheus', 'alerts.yaml'), 'utf8')) as { groups: { rules: { alert: string; annotations: { runbook_url: string } }[] }[] };
    for (const r of rules.groups.flatMap((g) => g.rules)) {
      expect(doc, r.alert).toMatch(new RegExp(`^### ${r.alert}$`, 'm'));
      expect(r.annotations.runbook_url).toBe(`docs/operations.md#${r.alert.toLowerCase()}`);
      const section = doc.split(new RegExp(`^### ${r.alert}$`, 'm'))[1]!.split(/^##/m)[0]!;
      for (const part of ['What it means', 'How to check', 'How to fix']) expect(section, `${r.alert}: ${part}`).toContain(`**${part}**`);
    }
  });
});
