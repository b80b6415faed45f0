// Owns the Prometheus metrics of one server: login and registration counters fed by audit events,
// active sessions read from the store at scrape time, and request latencies by route.
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { AuditEvent } from '../core/audit.js';
import type { Store } from '../core/store.js';

export interface Metrics {
  readonly contentType: string;
  /** Everything, in the Prometheus text format. */
  text(): Promise<string>;
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
  const latency = requestLatency();

  return {
    contentType: registry.contentType,
    text: async () => `${await registry.metrics()}${latency.text()}`,
    recordAudit(event) {
      if (event.type === 'login.succeeded') logins.inc({ mode: event.mode });
      else if (event.type === 'login.failed') failures.inc({ reason: event.reason });
      else if (event.type === 'mfa.code_failed' && event.purpose === 'login') failures.inc({ reason: 'invalid_code' });
      else if (event.type === 'user.registered') registrations.inc();
    },
    observeRequest(route, method, status, seconds) {
      latency.record(route, method, status, seconds);
    },
  };
}

const LATENCY = 'gatehouse_http_request_duration_seconds';
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] as const;

interface Series {
  /** `route="…",method="…",status="…"`, escaped once. */
  labels: string;
  /** Observations per bucket, not yet cumulative; the last slot is above every bound. */
  counts: number[];
  sum: number;
}

/** A Prometheus label value: backslash, double quote and newline escaped. */
const labelValue = (value: string) => value.replace(/[\\"\n]/g, (c) => (c === '\n' ? '\\n' : `\\${c}`));

/**
 * The request latency histogram, recorded on every request. prom-client's Histogram hashes the label set on
 * each observation (3% of a cached bearer check); this keeps one counts array per series, found by one Map
 * lookup, and writes the text format only when /metrics is scraped (the test holds it to prom-client's output).
 */
function requestLatency() {
  const series = new Map<string, Series>();
  return {
    record(route: string, method: string, status: number, seconds: number): void {
      const key = `${status} ${method} ${route}`;
      let entry = series.get(key);
      if (!entry) {
        const labels = `route="${labelValue(route)}",method="${labelValue(method)}",status="${status}"`;
        entry = { labels, counts: new Array<number>(BUCKETS.length + 1).fill(0), sum: 0 };
        series.set(key, entry);
      }
      let bucket = 0;
      while (bucket < BUCKETS.length && seconds > BUCKETS[bucket]!) bucket++;
      entry.counts[bucket]!++;
      entry.sum += seconds;
    },
    text(): string {
      const lines = [`# HELP ${LATENCY} HTTP request latency, by route, method and status.`, `# TYPE ${LATENCY} histogram`];
      for (const { labels, counts, sum } of series.values()) {
        let cumulative = 0;
        counts.forEach((count, bucket) => {
          cumulative += count;
          lines.push(`${LATENCY}_bucket{${labels},le="${BUCKETS[bucket] ?? '+Inf'}"} ${cumulative}`);
        });
        lines.push(`${LATENCY}_sum{${labels}} ${sum}`, `${LATENCY}_count{${labels}} ${cumulative}`);
      }
      return `${lines.join('\n')}\n`;
    },
  };
}
