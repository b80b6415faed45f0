// Owns the development-only request trace (the live explainer's "what the server looked up"): which engines trace,
// the steps recorded for a request while it is answered (core/principals.ts appends them to the presented
// credentials), and the `X-Gatehouse-Trace` header that reports them, e.g.
// `credential=bearer; signature=ok; claims=ok; revocation-check=ok`. Never in production: `enableTrace` refuses
// an engine whose config says production. Only a request that asks is traced (`X-Gatehouse-Trace: 1`, or the
// explainer's `X-Gatehouse-Pane`): any other request, on an engine that traces or not, pays one WeakSet lookup
// and a header read, and allocates nothing.
import type { Gatehouse } from '../core/gatehouse.js';
import type { HttpRequest, HttpResponse } from './types.js';

export const TRACE_HEADER = 'x-gatehouse-trace';
/** The explainer's pane (session | token | hybrid): its requests are traced (and get their pane's cookie jar). */
export const PANE_HEADER = 'x-gatehouse-pane';

const tracing = new WeakSet<Gatehouse>();
/** A request's steps, keyed by its headers object (a route that copies the request keeps the same headers). */
const steps = new WeakMap<object, string[]>();

/** Turns the trace on for this engine's routes (call before mounting them). Throws in production. */
export function enableTrace(gatehouse: Gatehouse): void {
  if (gatehouse.config.production) throw new Error('The request trace is for development only: never with NODE_ENV=production.');
  tracing.add(gatehouse);
}

export function isTracing(gatehouse: Gatehouse): boolean {
  return tracing.has(gatehouse);
}

/** Whether a request asks for its trace: `X-Gatehouse-Trace: 1`, or a request of the explainer's panes. */
export function asksForTrace(headers: HttpRequest['headers']): boolean {
  return headers[TRACE_HEADER] === '1' || headers[PANE_HEADER] !== undefined;
}

/** The request's step list, for the engine to append to: undefined unless this engine traces and the request asks. */
export function traceOf(gatehouse: Gatehouse, request: HttpRequest): string[] | undefined {
  if (!tracing.has(gatehouse) || !asksForTrace(request.headers)) return undefined;
  let list = steps.get(request.headers);
  if (!list) steps.set(request.headers, (list = []));
  return list;
}

/** Adds the trace header to a route's answer when its request recorded steps (routes call it only when the engine traces). */
export function addTraceHeader(request: HttpRequest, response: HttpResponse): void {
  const list = steps.get(request.headers);
  if (list && list.length > 0) response.headers[TRACE_HEADER] = list.join('; ');
}
