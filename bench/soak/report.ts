// Owns the soak run's report: the table over time of each setup (answered requests per second per kind, RSS
// and heap of each server), the totals of each answer class, the wrong answers (count and first examples),
// the RSS verdict after warm-up (second quarter against last quarter), the JSON written to
// bench/soak-results.json and the chart docs/performance-soak.svg.
import { lineChart, stackCharts, type Series } from '../lib/plot.js';
import type { SeriesPoint } from './sampler.js';
import { CLASSES, KINDS, wrongCount, type Tally } from './truth.js';

export interface SetupResult {
  setup: string;
  description: string;
  /** Why the setup did not run, when it did not. */
  skipped?: string;
  trafficSeconds: number;
  users: number;
  virtualUsers: number;
  settleMs: number;
  cycles: number;
  abandoned: number;
  tally: Tally;
  series: SeriesPoint[];
  memory: MemoryVerdict[];
}

export interface MemoryVerdict {
  server: string;
  /** Mean over the second quarter of the samples (after warm-up) and over the last quarter. */
  rssSecondQuarterMiB: number | null;
  rssLastQuarterMiB: number | null;
  rssChangePct: number | null;
  heapSecondQuarterMiB: number | null;
  heapLastQuarterMiB: number | null;
  heapChangePct: number | null;
  verdict: string;
}

/** RSS more than this much above its warm level (second quarter) by the last quarter counts as growth. */
export const GROWTH_LIMIT_PCT = 10;

function mean(values: readonly (number | null)[]): number | null {
  const known = values.filter((v): v is number => v !== null);
  return known.length === 0 ? null : known.reduce((a, b) => a + b, 0) / known.length;
}

const change = (from: number | null, to: number | null) => (from === null || to === null || from === 0 ? null : ((to - from) / from) * 100);
const fixed = (value: number | null, digits = 1) => (value === null ? '-' : value.toFixed(digits));
const signed = (value: number | null) => (value === null ? '-' : `${value >= 0 ? '+' : ''}${value.toFixed(1)} %`);

export function memoryVerdicts(series: readonly SeriesPoint[], servers: readonly string[]): MemoryVerdict[] {
  const n = series.length;
  const second = series.slice(Math.floor(n / 4), Math.floor(n / 2));
  const last = series.slice(Math.floor((3 * n) / 4));
  return servers.map((server) => {
    const rss = [mean(second.map((p) => p.rssMiB[server] ?? null)), mean(last.map((p) => p.rssMiB[server] ?? null))] as const;
    const heap = [mean(second.map((p) => p.heapMiB[server] ?? null)), mean(last.map((p) => p.heapMiB[server] ?? null))] as const;
    const rssChange = change(...rss);
    const verdict =
      n < 4 || rssChange === null
        ? 'too few samples for a verdict'
        : rssChange > GROWTH_LIMIT_PCT
          ? `GROWTH: RSS ${signed(rssChange)} from the second quarter to the last (limit +${GROWTH_LIMIT_PCT} %)`
          : `no growth once warm: RSS ${signed(rssChange)} from the second quarter to the last (limit +${GROWTH_LIMIT_PCT} %)`;
    const round = (v: number | null) => (v === null ? null : Number(v.toFixed(1)));
    return {
      server,
      rssSecondQuarterMiB: round(rss[0]),
      rssLastQuarterMiB: round(rss[1]),
      rssChangePct: round(rssChange),
      heapSecondQuarterMiB: round(heap[0]),
      heapLastQuarterMiB: round(heap[1]),
      heapChangePct: round(change(...heap)),
      verdict,
    };
  });
}

/** 90 → 1:30 */
function clock(seconds: number): string {
  const whole = Math.round(seconds);
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}
const rate = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(1));

function seriesTable(result: SetupResult): string {
  const servers = result.memory.map((m) => m.server);
  const head = ['time', 'req/s', 'login', 'verify', 'me', 'refresh', 'logout', 'revoked checks', ...servers.map((s) => `RSS ${s} MiB`), ...servers.map((s) => `heap ${s} MiB`), ...servers.map((s) => `max loop delay ${s} ms`)];
  const rows = result.series.map((p) => {
    const revoked = p.rps['verify-revoked'] + p.rps['me-revoked'] + p.rps['refresh-revoked'];
    return [
      clock(p.t),
      rate(p.total),
      rate(p.rps.login),
      rate(p.rps.verify),
      rate(p.rps.me),
      rate(p.rps.refresh),
      rate(p.rps.logout),
      rate(revoked),
      ...servers.map((s) => fixed(p.rssMiB[s] ?? null)),
      ...servers.map((s) => fixed(p.heapMiB[s] ?? null)),
      ...servers.map((s) => fixed(p.lagMaxMs[s] ?? null, 0)),
    ];
  });
  return [head, head.map(() => '---:'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

function totals(tally: Tally): string {
  const head = ['kind', ...CLASSES];
  const rows: string[][] = KINDS.map((k) => [k, ...CLASSES.map((c) => tally.byKind[k][c].toLocaleString('en-US'))]);
  rows.push(['all', ...CLASSES.map((c) => tally.classes[c].toLocaleString('en-US'))]);
  return [head, head.map(() => '---:'), ...rows].map((r) => `| ${r.join(' | ')} |`).join('\n');
}

/** The whole report of one setup, in Markdown. */
export function formatSetup(result: SetupResult): string {
  if (result.skipped) return `### soak: ${result.setup}\n\nskipped: ${result.skipped}\n`;
  const { tally } = result;
  const wrong = wrongCount(tally);
  const answered = KINDS.reduce((sum, k) => sum + tally.answered[k], 0);
  const errors = Object.entries(tally.errors).map(([status, count]) => `${count} × ${status}`).join(', ');
  const lines = [
    `### soak: ${result.setup} (${result.description})`,
    '',
    `${(result.trafficSeconds / 60).toFixed(1)} min of traffic, ${result.virtualUsers} virtual users over ${result.users} users; ` +
      `${answered.toLocaleString('en-US')} answers (${rate(answered / result.trafficSeconds)}/s), ${result.cycles.toLocaleString('en-US')} login-to-logout cycles, ` +
      `${result.abandoned} credentials abandoned; revoked credentials presented at once on the instance that logged them out and after ${result.settleMs} ms on every instance.`,
    '',
    seriesTable(result),
    '',
    totals(tally),
    '',
    `**wrong answers: ${wrong}**${wrong > 0 ? ' (first examples below)' : ''}; errors: ${errors || '0'}`,
    ...tally.wrongExamples.map((e) => `- WRONG ${e.answer} at ${e.atSeconds} s: ${e.kind} on ${e.instance}, ${e.mode} ${e.email}, status ${e.status}, ${e.sinceMs} ms after ${e.answer === 'accepted-revoked' ? 'logout' : 'login'}; ${e.detail}`),
    ...tally.errorExamples.slice(0, 3).map((e) => `- error at ${e.atSeconds} s: ${e.kind} on ${e.instance}, ${e.mode}, status ${e.status}; ${e.detail}`),
    '',
    ...result.memory.map((m) =>
      `- ${m.server}: RSS ${fixed(m.rssSecondQuarterMiB)} → ${fixed(m.rssLastQuarterMiB)} MiB, heap ${fixed(m.heapSecondQuarterMiB)} → ${fixed(m.heapLastQuarterMiB)} MiB (${signed(m.heapChangePct)}); ${m.verdict}`),
  ];
  return `${lines.join('\n')}\n`;
}

/** Throughput over time of every setup, then RSS over time of every server, as one SVG. */
export function soakChart(results: readonly SetupResult[]): string {
  const ran = results.filter((r) => !r.skipped);
  const minutes = (p: SeriesPoint) => Number((p.t / 60).toFixed(3));
  const throughput: Series[] = ran.map((r) => ({ name: `${r.setup}: answered req/s`, points: r.series.map((p) => [minutes(p), p.total]) }));
  const rss: Series[] = ran.flatMap((r) =>
    r.memory.map((m) => ({
      name: `${r.setup}${r.memory.length > 1 ? ` ${m.server}` : ''}: RSS`,
      points: r.series.map((p): [number, number] => [minutes(p), p.rssMiB[m.server] ?? Number.NaN]),
    })),
  );
  return stackCharts([
    lineChart({ title: 'Soak run: throughput over time', xLabel: 'minutes', yLabel: 'answered requests per second', series: throughput }),
    lineChart({ title: 'Soak run: resident memory of each server', xLabel: 'minutes', yLabel: 'RSS, MiB', series: rss }),
  ]);
}
