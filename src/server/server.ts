// Owns the standalone server: a Fastify instance with the Gatehouse routes, /metrics, JSON 404s, security
// headers on every response, structured logs (one access line per request at `info`, secrets redacted from the
// rest), the expiry sweeper, and a clean close.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { pino, stdSerializers, type Logger } from 'pino';
import type { AuditEvent, AuditOutcome } from '../core/audit.js';
import { createGatehouse } from '../core/engine.js';
import type { Clock, Gatehouse } from '../core/gatehouse.js';
import type { RandomBytes } from '../core/credentials.js';
import type { GatehouseError } from '../core/errors.js';
import type { PasswordHasher } from '../core/password.js';
import type { Store } from '../core/store.js';
import { answerClientError } from '../http/client-errors.js';
import { errorBody, errorResponse } from '../http/errors.js';
import { gatehouseFastify, sendHttpResponse } from '../http/fastify.js';
import { securityHeaders } from '../http/headers.js';
import { createMetrics } from '../http/metrics.js';
import { json, pathOf } from '../http/types.js';
import { enableTrace } from '../http/trace.js';
import { traceEnabled, type ServerConfig } from './config.js';
import { createExplainerLab } from './explainer-lab.js';
import { registerApiReference } from './api-reference.js';
import { serverMailer } from './mail.js';
import { batchedDestination } from './log-destination.js';
import { registerUi } from './ui.js';
import type { Mailer } from '../core/mail.js';

/** Key schedule and expiry sweeps; also how soon a key made by `gatehouse keys rotate` is seen. */
const MAINTENANCE_INTERVAL_MS = 60_000;

export interface ServerOptions {
  config: Readonly<ServerConfig>;
  store: Store;
  clock?: Clock;
  random?: RandomBytes;
  hasher?: PasswordHasher;
  /** Encrypts signing keys at rest; the CLI passes GATEHOUSE_SECRET or the generated one. */
  secret?: string;
  /** Where JSON log lines go (default stdout, one write per turn of the event loop: log-destination.ts). */
  logStream?: NodeJS.WritableStream;
  /** Replaces the mailer the config calls for (SMTP, the development outbox, or none in production). */
  mailer?: Mailer;
  /** The hosted pages' built assets (dist/ui by default). */
  uiAssetsDir?: string;
}

export interface GatehouseServer {
  app: FastifyInstance;
  gatehouse: Gatehouse;
  /** The server's log (JSON lines); the access lines (one per request) are written only at `info` and below. */
  log: Logger;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /** Stops accepting, lets in-flight requests finish, then closes the store. */
  close(): Promise<void>;
}

/** Never logged: credentials in headers, should a line ever carry a request's or response's headers. */
const REDACT = ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]'];

/**
 * The server's log and, at `info` and below, its access log: two pino loggers on one destination. Every request
 * gets one access line, written by the server itself (`request`: reqId, method, path without its query string,
 * route, status, ms, ip, userId when a route authenticated the request), never Fastify's two lines per request:
 * those cost a child logger per request, listeners on every response, and redaction of each line (40% of a
 * cached bearer check, against 10% for Fastify's logger on a bare route; docs/performance.md). The access line
 * names its fields, so it needs no redaction; every other line keeps it. Stdout gets one write per turn of the
 * event loop, not one per line (log-destination.ts).
 */
function createLog(config: Readonly<ServerConfig>, stream: NodeJS.WritableStream | undefined): { log: Logger; access: Logger | null } {
  const destination = stream ?? batchedDestination();
  const log = pino({
    level: config.logLevel,
    redact: { paths: REDACT, censor: '[redacted]' },
    serializers: { err: stdSerializers.err },
  }, destination);
  return { log, access: log.isLevelEnabled('info') ? pino({ level: config.logLevel }, destination) : null };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** performance.now() when the request was routed: the start of its latency in /metrics. */
    gatehouseReceivedAt: number;
    /** The user a Gatehouse route authenticated the request as, for the access line. */
    gatehouseUserId: string | undefined;
  }
}

export async function createServer(options: ServerOptions): Promise<GatehouseServer> {
  const { config, store } = options;
  const clock = options.clock ?? Date.now;
  const tls = config.tlsCert && config.tlsKey
    ? { cert: readFileSync(config.tlsCert), key: readFileSync(config.tlsKey) }
    : null;

  const headers = securityHeaders(config);
  const { log, access } = createLog(config, options.logStream);
  const app = Fastify({
    ...(tls ? { https: tls } : {}),
    trustProxy: config.trustProxy.length > 0 ? [...config.trustProxy] : false,
    bodyLimit: config.bodyLimitBytes,
    // A passkey's id is a path parameter (DELETE /auth/passkeys/:id): up to 1023 bytes, 1364 characters base64url.
    routerOptions: { maxParamLength: 1400 },
    // Fastify gets no logger at all (see createLog): the server writes its own lines, the access line included.
    logger: false,
    // What Node's parser refuses before routing (bad framing, oversized headers) gets the SPEC's format too.
    clientErrorHandler: (error, socket) => {
      log.info({ code: error.code }, 'malformed request');
      answerClientError(error, socket, headers);
    },
    frameworkErrors: (error, request, reply) => {
      void sendHttpResponse(reply.headers(headers), json(400, errorBody('invalid_request', 'The request is malformed.')));
      log.info({ reqId: request.id, code: error.code }, 'malformed request');
    },
  });

  const metrics = createMetrics(store, clock);
  const audit = (event: AuditEvent, outcome: AuditOutcome) => {
    metrics.recordAudit(event);
    log.info({ audit: event }, event.type);
    // A change already made whose row could not be written: the line above is its only record.
    if (!outcome.stored) log.error({ audit: event, err: outcome.error }, 'audit write failed');
  };
  const mail = options.mailer ? { mailer: options.mailer, warning: null } : serverMailer(config, log);
  if (mail.warning) log.warn(mail.warning);
  // Links point at GATEHOUSE_PUBLIC_URL, else at this server's own address (never at a request's Host header).
  let ownOrigin = `${tls ? 'https' : 'http'}://${config.host.includes(':') ? `[${config.host}]` : config.host}:${config.port}`;
  const gatehouse = await createGatehouse({
    store,
    ...(mail.mailer ? { mailer: mail.mailer } : {}),
    linkBase: () => ownOrigin,
    onMailError: (error) => log.error({ err: error }, 'mail failed'),
    config,
    clock,
    audit,
    ...(options.random ? { random: options.random } : {}),
    ...(options.hasher ? { hasher: options.hasher } : {}),
    ...(options.secret ? { secret: options.secret } : {}),
  });
  const logFault = (error: unknown, requestId: string) => log.error({ reqId: requestId, err: error }, 'request failed');

  // The Gatehouse routes set the security headers themselves (http/fastify.ts); the server's own answers here.
  // Hooks take callbacks, not async functions: they run on every request, and a promise each adds up.
  // Latency runs from routing to the answer being handed to the socket: an onResponse hook would cost
  // listeners on every response (see createLog). So does the access line's `ms`.
  let closing = false;
  // At `debug`, a line as each request is routed too: a request that never answers shows up.
  const arrivals = log.isLevelEnabled('debug');
  app.decorateRequest('gatehouseReceivedAt', 0);
  app.decorateRequest('gatehouseUserId', undefined);
  // Development only (never in production): the explainer's pane cookie jars, from these two hooks.
  const lab = traceEnabled(config) ? createExplainerLab() : undefined;
  app.addHook('onRequest', (request, _reply, done) => {
    request.gatehouseReceivedAt = performance.now();
    if (arrivals) log.debug({ reqId: request.id, method: request.method, path: pathOf(request.url) }, 'incoming request');
    lab?.received(request);
    done();
  });
  app.addHook('onSend', (request, reply, payload, done) => {
    const elapsed = performance.now() - request.gatehouseReceivedAt;
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(route, request.method, reply.statusCode, elapsed / 1000);
    if (access) {
      access.info({
        reqId: request.id,
        method: request.method,
        path: pathOf(request.url),
        route,
        status: reply.statusCode,
        ms: Math.round(elapsed * 100) / 100,
        ip: request.ip,
        userId: request.gatehouseUserId,
      }, 'request');
    }
    // A request in flight at shutdown must not leave its keep-alive connection open behind it: the
    // process would wait for the client or the keep-alive timeout (72 s) before it could exit.
    if (closing) reply.header('connection', 'close');
    lab?.sending(request, reply);
    done(null, payload);
  });
  app.setErrorHandler((error, request, reply) => {
    const { response, fault } = errorResponse(error);
    if (fault) logFault(error, request.id);
    return sendHttpResponse(reply.headers(headers), response);
  });
  app.setNotFoundHandler((_request, reply) =>
    sendHttpResponse(reply.headers(headers), json(404, errorBody('not_found', 'Not found.'))),
  );
  const logRefusal = (error: GatehouseError, requestId: string) =>
    log.info({ reqId: requestId, refused: error.code, ...error.detail }, error.message);
  // Development only (never in production): the request trace (on before the routes are mounted).
  if (lab) enableTrace(gatehouse);
  await app.register(gatehouseFastify, {
    gatehouse, onFault: logFault, onRefusal: logRefusal, onWarning: (message) => log.warn(message),
    // The access line's user id: asked for only when there is an access line.
    ...(access ? { onAuthenticated: (request: FastifyRequest, userId: string) => { request.gatehouseUserId = userId; } } : {}),
  });
  app.get('/metrics', async (_request, reply) => {
    reply.headers(headers).header('content-type', metrics.contentType);
    return metrics.text();
  });
  // The OpenAPI document (here, not in the shared routes: it describes this server, /metrics included, and an app
  // embedding an adapter owns its own root paths); its reference page is a hosted page, so only with the UI on.
  registerApiReference(app, config, { page: config.ui });
  if (config.ui) {
    const warning = registerUi(app, { config, live: traceEnabled(config), ...(options.uiAssetsDir === undefined ? {} : { assetsDir: options.uiAssetsDir }) });
    // From source without a build (tests, development) the pages are blank: worth a line, not a warning.
    if (warning) log[config.production ? 'warn' : 'info'](warning);
  }

  const sweeper = setInterval(() => {
    gatehouse.maintain().catch((error: unknown) => log.warn({ err: error }, 'maintenance failed'));
  }, MAINTENANCE_INTERVAL_MS);
  sweeper.unref();

  return {
    app,
    gatehouse,
    log,
    async listen() {
      ownOrigin = await app.listen({ port: config.port, host: config.host });
      log.info(`Server listening at ${ownOrigin}`); // Fastify's words, which scripts may wait for
      return ownOrigin;
    },
    async close() {
      closing = true;
      clearInterval(sweeper);
      await app.close();
      await gatehouse.close();
      await store.close();
    },
  };
}
