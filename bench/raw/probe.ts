// Owns the latency probe: one paced autocannon run (a Load given as JSON in argv) in a process of its own,
// so the probe's timings are not those of a client event loop shared with a flood. Prints one JSON Sample.
import { runLoad, type Load } from '../lib/load.js';

const load = JSON.parse(process.argv[2] ?? '{}') as Load;
process.stdout.write(`${JSON.stringify(await runLoad(load))}\n`);
