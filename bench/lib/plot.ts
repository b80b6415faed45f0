// Owns the benchmark's charts: a dependency-free SVG line chart (axes with round ticks, an optional log x axis,
// a legend, each series in its own colour and dash pattern so it reads in grey too), and stacking several charts
// into one image. Pure functions of their input: the same figures always give the same file.

export interface Series {
  name: string;
  /** [x, y] pairs; drawn in x order. Points with a non-finite coordinate (or x ≤ 0 on a log axis) are left out. */
  points: [number, number][];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  series: Series[];
}

const WIDTH = 760;
const HEIGHT = 440;
const MARGIN = { left: 72, right: 24, top: 44, bottom: 58 };
const LEGEND_ROW = 18;
/** Okabe–Ito: distinguishable with the common colour-vision deficiencies. */
const COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9', '#000000', '#F0E442'];
const DASHES = ['', '6 4', '2 3', '10 3 2 3', '4 2 4 6', '1 4'];
const MARKERS = ['circle', 'square', 'triangle', 'diamond'] as const;

const escapeXml = (text: string) => text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
const round = (value: number) => Math.round(value * 100) / 100;

/** Round numbers covering [min, max]: 1, 2 or 5 times a power of ten apart, about `count` of them. */
function linearTicks(min: number, max: number, count = 6): number[] {
  if (min === max) return [min];
  const raw = (max - min) / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 5, 10].find((m) => m * power >= raw) ?? 10) * power;
  const ticks: number[] = [];
  for (let t = Math.ceil(min / step) * step; t <= max + step * 1e-9; t += step) ticks.push(Number(t.toPrecision(12)));
  return ticks;
}

/** Powers of ten covering [min, max] (both > 0). */
function logTicks(min: number, max: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) ticks.push(10 ** e);
  return ticks;
}

const SUPERSCRIPT = '⁰¹²³⁴⁵⁶⁷⁸⁹';
/** 10⁵ for powers of ten from 10² up on a log axis; 1,500 / 0.25 otherwise. */
function tickLabel(value: number, log: boolean): string {
  if (log && value >= 100) {
    const exponent = Math.round(Math.log10(value));
    return `10${[...String(exponent)].map((d) => SUPERSCRIPT[Number(d)]).join('')}`;
  }
  return Math.abs(value) >= 1000 ? value.toLocaleString('en-US') : String(Number(value.toPrecision(3)));
}

function marker(kind: (typeof MARKERS)[number], x: number, y: number, colour: string): string {
  const fill = `fill="${colour}"`;
  if (kind === 'circle') return `<circle cx="${round(x)}" cy="${round(y)}" r="3.5" ${fill}/>`;
  if (kind === 'square') return `<rect x="${round(x - 3.5)}" y="${round(y - 3.5)}" width="7" height="7" ${fill}/>`;
  if (kind === 'triangle') return `<path d="M${round(x)} ${round(y - 4.5)} L${round(x + 4.5)} ${round(y + 3.5)} L${round(x - 4.5)} ${round(y + 3.5)} Z" ${fill}/>`;
  return `<path d="M${round(x)} ${round(y - 5)} L${round(x + 5)} ${round(y)} L${round(x)} ${round(y + 5)} L${round(x - 5)} ${round(y)} Z" ${fill}/>`;
}

/** One line chart as a standalone SVG document. */
export function lineChart(options: LineChartOptions): string {
  const log = options.logX === true;
  const series = options.series.map((s) => ({
    name: s.name,
    points: s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y) && (!log || x > 0)).sort((a, b) => a[0] - b[0]),
  }));
  const all = series.flatMap((s) => s.points);
  const legendHeight = Math.ceil(series.length / 2) * LEGEND_ROW + 8;
  const height = HEIGHT + legendHeight;
  const plot = { x: MARGIN.left, y: MARGIN.top, w: WIDTH - MARGIN.left - MARGIN.right, h: HEIGHT - MARGIN.top - MARGIN.bottom };
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="24" text-anchor="middle" font-size="15" font-weight="600">${escapeXml(options.title)}</text>`,
  ];
  if (all.length === 0) {
    parts.push(`<text x="${WIDTH / 2}" y="${HEIGHT / 2}" text-anchor="middle" fill="#666">no data</text></svg>`);
    return parts.join('\n');
  }

  const xs = all.map(([x]) => x);
  const ys = all.map(([, y]) => y);
  let [xMin, xMax] = [Math.min(...xs), Math.max(...xs)];
  if (log) [xMin, xMax] = [10 ** Math.floor(Math.log10(xMin)), 10 ** Math.ceil(Math.log10(xMax))];
  else if (xMin === xMax) [xMin, xMax] = [xMin - 1, xMax + 1];
  // The y axis starts at zero (ratios and rates read honestly) unless a value is negative.
  const yTicks = linearTicks(Math.min(0, ...ys), Math.max(...ys) * 1.08 || 1);
  const [yMin, yMax] = [yTicks[0] as number, Math.max(yTicks[yTicks.length - 1] as number, Math.max(...ys))];
  const xTicks = log ? logTicks(xMin, xMax) : linearTicks(xMin, xMax);
  const sx = (x: number) => plot.x + (log ? (Math.log10(x) - Math.log10(xMin)) / (Math.log10(xMax) - Math.log10(xMin)) : (x - xMin) / (xMax - xMin)) * plot.w;
  const sy = (y: number) => plot.y + plot.h - ((y - yMin) / (yMax - yMin || 1)) * plot.h;

  for (const t of yTicks) {
    const y = round(sy(t));
    parts.push(`<line x1="${plot.x}" y1="${y}" x2="${plot.x + plot.w}" y2="${y}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${plot.x - 8}" y="${y + 4}" text-anchor="end">${tickLabel(t, false)}</text>`);
  }
  for (const t of xTicks) {
    const x = round(sx(t));
    parts.push(`<line x1="${x}" y1="${plot.y}" x2="${x}" y2="${plot.y + plot.h}" stroke="#e4e4e4"/>`);
    parts.push(`<text x="${x}" y="${plot.y + plot.h + 18}" text-anchor="middle">${tickLabel(t, log)}</text>`);
  }
  parts.push(`<rect x="${plot.x}" y="${plot.y}" width="${plot.w}" height="${plot.h}" fill="none" stroke="#333"/>`);
  parts.push(`<text x="${plot.x + plot.w / 2}" y="${plot.y + plot.h + 42}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  parts.push(`<text transform="translate(18 ${plot.y + plot.h / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);

  series.forEach((s, i) => {
    const colour = COLOURS[i % COLOURS.length] as string;
    const dash = DASHES[i % DASHES.length] as string;
    const kind = MARKERS[i % MARKERS.length] as (typeof MARKERS)[number];
    const path = s.points.map(([x, y], j) => `${j === 0 ? 'M' : 'L'}${round(sx(x))} ${round(sy(y))}`).join(' ');
    if (s.points.length > 1) parts.push(`<path d="${path}" fill="none" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    for (const [x, y] of s.points) parts.push(marker(kind, sx(x), sy(y), colour));
    const lx = MARGIN.left + (i % 2) * (WIDTH - MARGIN.left - MARGIN.right) / 2;
    const ly = HEIGHT + Math.floor(i / 2) * LEGEND_ROW;
    parts.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 30}" y2="${ly}" stroke="${colour}" stroke-width="2"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(marker(kind, lx + 15, ly, colour));
    parts.push(`<text x="${lx + 38}" y="${ly + 4}">${escapeXml(s.name)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

/** Several charts (each from lineChart) one above the other, as one SVG document. */
export function stackCharts(charts: readonly string[]): string {
  let y = 0;
  const inner: string[] = [];
  let width = 0;
  for (const chart of charts) {
    const w = Number(/width="(\d+)"/.exec(chart)?.[1] ?? WIDTH);
    const h = Number(/height="(\d+)"/.exec(chart)?.[1] ?? HEIGHT);
    inner.push(chart.replace('<svg ', `<svg y="${y}" `));
    y += h;
    width = Math.max(width, w);
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}">\n${inner.join('\n')}\n</svg>\n`;
}
