// Owns `npm run bench [-- --quick] [-- --scale] [-- --only=…]`: pins itself to the load-generator core, runs the
// sections (in-process, HTTP, login, revocation; scale on request), prints one table of ratios measured in this run and
// writes it to bench/results.json. Timings are reported, never asserted. `-- --soak` runs the soak run instead (bench/soak.ts).
import { fileURLToPath } from 'node:url';
import { CLIENT_CPU, HAS_TASKSET, pinSelfToClientCore } from './lib/processes.js';
import { log, parseOptions, type Section } from './lib/options.js';
import { deleteKeys } from './lib/redis.js';
import { formatTable, writeResults, type Row } from './lib/results.js';
import { removeScratch } from './lib/tmp.js';
import { httpRows } from './sections/http.js';
import { loginRows } from './sections/login.js';
import { revocationRows } from './sections/revocation.js';
import { scaleRows } from './sections/scale.js';
import { sessionValidateRows } from './sections/session-validate.js';
import { tokenVerifyRows } from './sections/token-verify.js';

const RESULTS = fileURLToPath(new URL('results.json', import.meta.url));

const options = parseOptions(process.argv.slice(2), process.env);
pinSelfToClientCore();
if (options.soak) {
  // --soak runs the soak run only (bench/soak.ts): its own report, files and exit status.
  const { runSoak } = await import('./soak.js');
  process.exit(await runSoak(options, options.soak));
}

const SECTION_RUNNERS: Record<Section, () => Promise<Row[]>> = {
  inprocess: async () => [...(await tokenVerifyRows(options)), ...(await sessionValidateRows(options))],
  http: () => httpRows(options),
  login: () => loginRows(options),
  revocation: () => revocationRows(options),
  scale: () => scaleRows(options),
};

const started = Date.now();
log(`gatehouse bench: ${options.quick ? 'quick' : 'full'} run, ${options.rounds} round(s); ` +
  (HAS_TASKSET ? `servers on core 0, load and in-process on core ${CLIENT_CPU}` : 'taskset not found: NOT pinned'));
const rows: Row[] = [];
try {
  for (const section of options.sections) {
    log(`\n== ${section}`);
    rows.push(...(await SECTION_RUNNERS[section]()));
  }
} finally {
  await deleteKeys(options.redisUrl, options.redisPrefix);
  removeScratch();
}
writeResults(RESULTS, rows);
process.stdout.write(`\n${formatTable(rows)}\n`);
log(`\n${rows.length} rows in ${Math.round((Date.now() - started) / 1000)} s; written to ${RESULTS}`);
