// Guards the size of the MCP `tools/list` answer (issue 12 #16): a client puts every tool's description
// and schemas in front of the model on each turn. It was 30,884 characters, 18,408 of them output
// schemas that repeated a field's meaning on every field that carries it and zod's ±2^53 bounds on
// every integer; now each meaning is said once (src/mcp/schemas.ts). The budgets count characters (not
// time): raise them for a new tool or field, not for prose.
//
// Trimming must not change what the tools accept or return: test/fixtures/mcp-tools-contract.txt is the
// contract — every field, its type, constraints and whether it is required — as it was before.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { ListToolsResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { App } from '../../src/app/app.js';
import { loadConfig } from '../../src/config/config.js';
import { createMcpServer } from '../../src/mcp/server.js';
import { schemaFields } from '../helpers/schema-fields.js';

/** Characters of the whole `tools/list` result, as JSON (27,600 with list_libraries and resolve_library, issue 15; 28,155 with search_docs' unknown_names, issue 9; 28,274 with get_section's aliases, issue 9). */
const TOTAL_BUDGET = 28_300;
/** ... of which the output schemas. */
const OUTPUT_SCHEMA_BUDGET = 14_000;

const dir = mkdtempSync(join(tmpdir(), 'dg-tools-list-'));
let app: App;
let client: Client;
let listed: ListToolsResult;

beforeAll(async () => {
  app = await App.open(loadConfig({ cwd: dir, env: {} }), { create: true });
  const [serverSide, clientSide] = InMemoryTransport.createLinkedPair();
  client = new Client({ name: 'tools-list-size', version: '1.0.0' });
  await Promise.all([createMcpServer({ app, tokenBudget: 4000 }).connect(serverSide), client.connect(clientSide)]);
  listed = await client.listTools();
});
afterAll(async () => {
  await client?.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('regression: the size of tools/list', () => {
  it(`stays within ${TOTAL_BUDGET} characters, ${OUTPUT_SCHEMA_BUDGET} of them output schemas`, () => {
    const total = JSON.stringify(listed).length;
    const outputs = listed.tools.reduce((n, t) => n + JSON.stringify(t.outputSchema ?? {}).length, 0);
    expect(total).toBeLessThanOrEqual(TOTAL_BUDGET);
    expect(outputs).toBeLessThanOrEqual(OUTPUT_SCHEMA_BUDGET);
  });

  it('every tool still has a description, an input schema and an output schema', () => {
    expect(listed.tools.length).toBe(11);
    for (const t of listed.tools) {
      expect(t.description?.length ?? 0, t.name).toBeGreaterThan(150);
      expect(t.description?.length ?? 0, t.name).toBeLessThan(700);
      expect(t.inputSchema.type, t.name).toBe('object');
      expect(t.outputSchema?.type, t.name).toBe('object');
      expect(Object.keys(t.outputSchema?.properties ?? {}).length, t.name).toBeGreaterThan(0);
    }
  });

  it('no integer carries the ±2^53 bounds, and no tool says the same thing twice', () => {
    expect(JSON.stringify(listed)).not.toContain(String(Number.MAX_SAFE_INTEGER));
    const repeated: string[] = [];
    for (const t of listed.tools) {
      const seen = new Set<string>();
      const visit = (node: unknown): void => {
        if (node === null || typeof node !== 'object') return;
        for (const [k, v] of Object.entries(node)) {
          if (k !== 'description' || typeof v !== 'string') visit(v);
          else if (seen.has(v)) repeated.push(`${t.name}: ${v}`);
          else seen.add(v);
        }
      };
      visit(t.inputSchema);
      visit(t.outputSchema);
    }
    expect(repeated).toEqual([]);
  });

  it('keeps every tool’s contract: the same fields, types and constraints', () => {
    const contract = readFileSync(join(import.meta.dirname, '..', 'fixtures', 'mcp-tools-contract.txt'), 'utf8').trimEnd().split('\n');
    const now = listed.tools.flatMap((t) => [...schemaFields(t.inputSchema, `${t.name} in`), ...schemaFields(t.outputSchema ?? {}, `${t.name} out`)]);
    expect(now).toEqual(contract);
  });
});
