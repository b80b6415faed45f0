// Owns the Prometheus metrics of one server: login and registration counters fed by audit events,
// active sessions read from the store at scrape time, and request latencies by route.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../core/audit.js';
import type { Store } from '../core/store.js';

export interface Metrics {
  readonly registry: Registry;
  recordAudit(event: AuditEvent): void;
  observeRequest(route: string, method: string, status: number, seconds: number): void;
}

export function createMetrics(store: Store, clock: () => number): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'gatehouse_' });
  const logins = new Counter({
    name: 'gatehouse_logins_total',
    help: 'Successful logins, by mode.',
    labelNames: ['mode'],
    registers: [registry],
  });
  const failures = new Counter({
    name: 'gatehouse_login_failures_total',
    help: 'Refused logins, by reason.',
    labelNames: ['reason'],
    registers: [registry],
  });
  const registrations = new Counter({
    name: 'gatehouse_registrations_total',
    help: 'Accounts created.',
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_active_sessions',
    help: 'Web sessions not yet expired.',
    registers: [registry],
    async collect() {
      this.set(await store.sessions.countActive(clock()));
    },
  });
  const latency = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'HTTP request latency, by route, method and status.',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });

  return {
    registry,
    recordAudit(event) {
      if (event.type === 'login.succeeded') logins.inc({ mode: event.mode });
      else if (event.type === 'login.failed') failures.inc({ reason: event.reason });
      else if (event.type === 'user.registered') registrations.inc();
    },
    observeRequest(route, method, status, seconds) {
      latency.observe({ route, method, status: String(status) }, seconds);
    },
  };
}
