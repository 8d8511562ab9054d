/**
 * OpenTelemetry traces. Spans are made through `@opentelemetry/api`, which
 * does nothing until a tracer provider is registered; `startTracing`
 * registers one (loading the SDK and the OTLP/HTTP exporter then, not
 * before) only when `OTEL_EXPORTER_OTLP_ENDPOINT` (or
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) is set, so a process without it pays
 * nothing. The exporter reads the standard `OTEL_EXPORTER_OTLP_*` variables
 * (headers, timeout); the batch processor `OTEL_BSP_*`.
 *
 * Spans: one per HTTP request (`GET /v1/search`, server kind), per MCP tool
 * call (`mcp.tool search_docs`), per search (`search`) with a child per stage
 * (`search.plan`, `search.lexical`, `search.vector`, `search.entity`,
 * `search.fusion`, `search.expansion`; made from the timings the search
 * recorded, wherever it ran, see telemetry.ts), and per ingest job attempt
 * (`ingest.job`).
 */
import type * as OtelApi from '@opentelemetry/api';
import type { Attributes, Span } from '@opentelemetry/api';
import type { StageTiming } from './telemetry.js';

let apiLib: typeof OtelApi | undefined;
/**
 * `@opentelemetry/api` (some 45 modules), loaded by the first span or
 * `startTracing`, not with every CLI command: a command that makes no span
 * (an unchanged re-ingest) never needs it.
 */
async function otel(): Promise<typeof OtelApi> {
  return (apiLib ??= await import('@opentelemetry/api'));
}

/** The kinds of span (the values of the API's SpanKind, which would load it). */
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 } as const satisfies Record<keyof typeof OtelApi.SpanKind, OtelApi.SpanKind>;
export type SpanKind = (typeof SpanKind)[keyof typeof SpanKind];

const TRACER = 'docgraph';

export interface Tracing {
  /** Exports what is buffered and stops. Idempotent. */
  shutdown(): Promise<void>;
}

/** True when the environment asks for traces. */
export function tracingWanted(env: NodeJS.ProcessEnv = process.env): boolean {
  return Boolean(env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT) && env.OTEL_SDK_DISABLED !== 'true' && env.OTEL_TRACES_EXPORTER !== 'none';
}

/**
 * Registers a tracer provider that exports spans over OTLP/HTTP (JSON) when
 * the environment asks for it (tracingWanted); otherwise loads nothing and
 * returns undefined.
 */
export async function startTracing(version: string, env: NodeJS.ProcessEnv = process.env): Promise<Tracing | undefined> {
  if (!tracingWanted(env)) return undefined;
  const [{ TracerProvider, BatchSpanProcessor }, { OTLPTraceExporter }, { AsyncLocalStorageContextManager }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/exporter-trace-otlp-http'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
  ]);
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': env.OTEL_SERVICE_NAME || 'docgraph', 'service.version': version }),
    spanProcessors: [new BatchSpanProcessor({ exporter: new OTLPTraceExporter() })],
  });
  const { context, trace } = await otel();
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
  let done: Promise<void> | undefined;
  return {
    shutdown: () =>
      (done ??= (async () => {
        try {
          await provider.shutdown();
        } finally {
          trace.disable();
          context.disable();
        }
      })()),
  };
}

/**
 * Runs `fn` in a new active span (a child of the current one): ended when
 * `fn` settles, with an error status when it throws.
 */
export async function inSpan<T>(name: string, attributes: Attributes, fn: (span: Span) => Promise<T>, kind: SpanKind = SpanKind.INTERNAL): Promise<T> {
  const { trace, SpanStatusCode } = apiLib ?? (await otel());
  return trace.getTracer(TRACER).startActiveSpan(name, { kind, attributes }, async (span) => {
    try {
      return await fn(span);
    } catch (e) {
      span.recordException(e instanceof Error ? e : String(e));
      span.setStatus({ code: SpanStatusCode.ERROR, message: e instanceof Error ? e.message : String(e) });
      throw e;
    } finally {
      span.end();
    }
  });
}

/** Children of the current span for the stages a search recorded, with the times they ran. */
export function stageSpans(stages: readonly StageTiming[]): void {
  // no span was made through the API yet: none is active to be a parent
  if (apiLib === undefined) return;
  const { trace } = apiLib;
  if (stages.length === 0 || !trace.getActiveSpan()?.isRecording()) return;
  const tracer = trace.getTracer(TRACER);
  for (const s of stages) tracer.startSpan(`search.${s.stage}`, { startTime: s.startMs }).end(s.startMs + s.durationMs);
}
