// Owns the metrics tests that need no server: the hand-kept latency histogram renders exactly what
// prom-client's own Histogram renders for the same observations (buckets, +Inf, sum and count per series).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Histogram, Registry } from 'prom-client';
import { createMemoryStore } from '../stores/memory/index.js';
import { createMetrics } from './metrics.js';

const NAME = 'gatehouse_http_request_duration_seconds';

/** The histogram's sample lines, each as `name{labels sorted} value`, so label order does not matter. */
function samples(text: string): string[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(NAME))
    .map((line) => {
      const match = /^(\w+)\{(.*)\} (\S+)$/.exec(line);
      assert.ok(match, line);
      const labels = match[2]!.split(/,(?=\w+=")/).sort().join(',');
      return `${match[1]}{${labels}} ${match[3]}`;
    })
    .sort();
}

describe('request latency histogram', () => {
  it('renders what prom-client renders for the same observations', async () => {
    const metrics = createMetrics(createMemoryStore(), Date.now);
    const reference = new Registry();
    const stock = new Histogram({
      name: NAME,
      help: 'HTTP request latency, by route, method and status.',
      labelNames: ['route', 'method', 'status'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [reference],
    });
    const observations: [string, string, number, number][] = [
      ['/auth/verify', 'GET', 200, 0.0004],
      ['/auth/verify', 'GET', 200, 0.001], // on a bound: counted in that bucket
      ['/auth/verify', 'GET', 200, 0.0031],
      ['/auth/verify', 'GET', 401, 0.02],
      ['/auth/login', 'POST', 200, 0.3],
      ['/auth/login', 'POST', 200, 7], // above every bound: only +Inf
      ['/a "quoted"\\route\n', 'GET', 404, 0],
    ];
    for (const [route, method, status, seconds] of observations) {
      metrics.observeRequest(route, method, status, seconds);
      stock.observe({ route, method, status: String(status) }, seconds);
    }
    const ours = samples(await metrics.text());
    assert.equal(ours.length, 4 * 14); // four series: 11 bounds, +Inf, sum, count
    assert.deepEqual(ours, samples(await reference.metrics()));
    assert.ok(ours.includes(`${NAME}_bucket{le="+Inf",method="POST",route="/auth/login",status="200"} 2`));
    assert.ok(ours.includes(`${NAME}_bucket{le="2.5",method="POST",route="/auth/login",status="200"} 1`));
  });
});
