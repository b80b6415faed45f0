// Owns the soak run's servers, run as shipped (`gatehouse serve` pinned to the server core, at the shipped log
// level): `sqlite` is one instance on a SQLite file; `scaleout` is two instances sharing PostgreSQL (a schema
// of its own, dropped at the end) and Redis (a key prefix of its own, deleted at the end).
import { startGatehouse } from '../lib/gatehouse.js';
import type { BenchOptions } from '../lib/options.js';
import type { ServerProcess } from '../lib/processes.js';
import { deleteKeys, redisProblem, scaleOutProblem } from '../lib/redis.js';
import { sharedDatabase } from '../sections/revocation.js';
import type { Instance } from './client.js';
import type { SoakSetup } from './options.js';
import { nodePid, type WatchedServer } from './sampler.js';

export interface RunningSetup {
  /** What ran, for the report: e.g. "2 instances, PostgreSQL + Redis". */
  description: string;
  instances: Instance[];
  servers: WatchedServer[];
  stop(): Promise<void>;
}

/** As shipped: `info` is the default level (the comparison runs at `warn` so as not to handicap Gatehouse
 * against peers that do not log; a soak run is about Gatehouse as deployed). */
const SHIPPED = { GATEHOUSE_LOG_LEVEL: 'info' };

function watch(name: string, server: ServerProcess): { instance: Instance; watched: WatchedServer } {
  const pid = server.child.pid;
  if (pid === undefined) throw new Error(`${name}: no pid`);
  return { instance: { name, url: server.url }, watched: { name, url: server.url, pid: nodePid(pid) } };
}

export async function startSetup(setup: SoakSetup, options: BenchOptions): Promise<RunningSetup> {
  const servers: ServerProcess[] = [];
  const stopServers = () => Promise.all(servers.map((s) => s.stop())).then(() => {});
  if (setup === 'sqlite') {
    const server = await startGatehouse(SHIPPED);
    servers.push(server);
    const { instance, watched } = watch('sqlite', server);
    return { description: '1 instance, SQLite file', instances: [instance], servers: [watched], stop: stopServers };
  }

  const problem = (await redisProblem(options.redisUrl)) ?? scaleOutProblem(options.redisUrl);
  if (problem) throw new Error(problem);
  const database = await sharedDatabase();
  const prefix = `${options.redisPrefix}soak:`;
  const stop = async () => {
    await stopServers();
    await database.drop();
    await deleteKeys(options.redisUrl, prefix);
  };
  try {
    const env = { ...SHIPPED, ...database.env, GATEHOUSE_REDIS_URL: options.redisUrl, GATEHOUSE_REDIS_PREFIX: prefix };
    servers.push(await startGatehouse(env));
    servers.push(await startGatehouse(env)); // after A: A made the signing key, B loads it
    const [a, b] = [watch('A', servers[0] as ServerProcess), watch('B', servers[1] as ServerProcess)];
    const db = (database.env['GATEHOUSE_DATABASE_URL'] ?? '').startsWith('postgres') ? 'PostgreSQL' : 'one SQLite file';
    return { description: `2 instances, ${db} + Redis`, instances: [a.instance, b.instance], servers: [a.watched, b.watched], stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
