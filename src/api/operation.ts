/**
 * Operations: the one definition of each thing a client can ask of docgraph
 * over the wire, shared by MCP (each read operation is a tool) and REST
 * (each operation is a route under /v1). An operation is a zod input schema,
 * a zod output schema (snake_case fields, ISO 8601 times: the wire
 * vocabulary) and `run`, which calls the App once and shapes the answer. The
 * transports only validate, call `run` and map the result or the error, so
 * the same request answers the same over MCP and REST, cursors included.
 */
import type { z } from 'zod';
import type { App } from '../app/app.js';
import type { Logger } from '../observability/logger.js';
import { InvalidInputError } from '../domain/errors.js';

/** The application functions the read operations call: the same ones the CLI uses. */
export type DocsApp = Pick<
  App,
  'search' | 'getSection' | 'getDocument' | 'listSources' | 'sources' | 'sourceFilter' | 'status' | 'listDocuments' | 'documentText' | 'lookupEntity' | 'explainError' | 'getProcedure' | 'traverse'
>;

export interface OperationContext {
  app: DocsApp;
  /** Most tokens one response may hold (config server.tokenBudget); longer results are paged by cursor. */
  tokenBudget: number;
  log?: Logger;
}

/** What `run` answers: the structured result (the wire object) and its Markdown rendering (what a model reads over MCP). */
export interface OperationResult<O> {
  out: O;
  md: string;
}

/** One operation. `I` and `O` are zod object schemas; `run` receives input already parsed by `input`. */
export interface Operation<I extends z.ZodObject = z.ZodObject, O extends z.ZodObject = z.ZodObject, C extends OperationContext = OperationContext> {
  /** snake_case name: the MCP tool name and the OpenAPI operationId. */
  name: string;
  title: string;
  description: string;
  input: I;
  output: O;
  run(ctx: C, args: z.output<I>): Promise<OperationResult<z.output<O>>>;
}

/** Declares an operation with its types inferred from the schemas. */
export function defineOperation<I extends z.ZodObject, O extends z.ZodObject, C extends OperationContext = OperationContext>(op: Operation<I, O, C>): Operation<I, O, C> {
  return op;
}

/** `schema.parse(value)`, with a failure as INVALID_INPUT naming the field. */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown, where: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  const field = issue.path.map(String).join('.') || where;
  throw new InvalidInputError(`${field}: ${issue.message}`, { field });
}
