/**
 * The OpenAPI 3.1 document of the REST API (`GET /openapi.json`), generated
 * from the route table (http/rest.ts) and the operations' own zod schemas.
 * OpenAPI 3.1 schemas are JSON Schema 2020-12, which zod writes itself
 * (`z.toJSONSchema`), so the document states exactly what the handlers
 * validate and what they answer.
 */
import { z } from 'zod';
import { SCOPES } from '../app/keys.js';
import { REST_ROUTES, type RestRoute } from './rest.js';

type JsonSchema = Record<string, unknown>;

function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as JsonSchema;
  return rest;
}

const errorSchema: JsonSchema = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', description: 'INVALID_INPUT, UNAUTHORIZED, FORBIDDEN, NOT_FOUND, PAYLOAD_TOO_LARGE, URI_TOO_LONG, RATE_LIMITED, QUEUE_FULL, SERVER_BUSY, INDEX_UNAVAILABLE, INTERNAL ...' },
        message: { type: 'string' },
        details: { type: 'object', description: 'field and allowed (INVALID_INPUT), hint, retryable, retry_after_s', additionalProperties: true },
      },
    },
  },
};

const errorRef = (description: string) => ({ description, content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } } });

function operation(r: RestRoute): JsonSchema {
  const parameters: JsonSchema[] = [];
  for (const m of r.path.matchAll(/\{(\w+)\}/g)) {
    parameters.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' }, description: r.greedy ? 'URL-encoded; may hold slashes' : undefined });
  }
  if (r.query) {
    const q = jsonSchema(r.query, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      const { description, ...s } = schema;
      parameters.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema: s, ...(description ? { description } : {}), ...(s.type === 'array' ? { style: 'form', explode: true } : {}) });
    }
  }
  const ok = String(r.status ?? 200);
  return {
    operationId: r.path === '/v1/dlq/retry' ? 'retry_all_dead_jobs' : r.op.name,
    summary: r.summary,
    description: `${r.op.description}\n\nScope: \`${r.scope}\` (an \`admin\` key may call everything).`,
    tags: [r.scope === 'read' ? 'read' : 'queue'],
    ...(parameters.length ? { parameters: parameters.map((p) => Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined))) } : {}),
    ...(r.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(r.op.input, 'input') } } } } : {}),
    responses: {
      [ok]: { description: r.op.title, content: { 'application/json': { schema: jsonSchema(r.op.output, 'output') } } },
      '400': errorRef('Invalid input: details.field says which, details.allowed what is accepted'),
      '401': errorRef('No API key, or an unknown, revoked or wrong one'),
      '403': errorRef("The key's scopes do not include this route's"),
      ...(r.path.includes('{') ? { '404': errorRef('Not found') } : {}),
      ...(r.body ? { '413': errorRef('Request body too large') } : {}),
      '414': errorRef('URL too long'),
      '429': errorRef('Rate limited: see Retry-After'),
      '503': errorRef('Busy, the queue is full, or the index cannot be used now: see Retry-After'),
    },
  };
}

/** The whole document; `version` is the package version. */
export function openApiDocument(version: string): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const r of REST_ROUTES) (paths[r.path] ??= {})[r.method.toLowerCase()] = operation(r);
  return {
    openapi: '3.1.0',
    info: {
      title: 'docgraph REST API',
      version,
      description:
        'Search technical documentation and read citable sections; the same operations as the MCP tools, with the same snake_case fields, cursors and errors. ' +
        `Send \`Authorization: Bearer <API key>\` (\`docgraph keys create --scope read\`); scopes: ${SCOPES.join(', ')}. ` +
        'Errors are `{"error": {"code", "message", "details"}}`. Long results are paged: pass `next_cursor` back as `cursor`.',
    },
    servers: [{ url: '/' }],
    security: [{ bearer: [] }],
    tags: [
      { name: 'read', description: 'Reading the index (scope read)' },
      { name: 'queue', description: 'Jobs, the dead letter queue and ingest (scopes ingest and admin)' },
    ],
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key (dg_...) or DOCGRAPH_API_KEY' } },
      schemas: { Error: errorSchema },
    },
  };
}
