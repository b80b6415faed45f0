// Owns the proof that the Redis backend runs on Redis Cluster unchanged: a throwaway three-master cluster on
// loopback (its own ports, never the shared server), and the whole store conformance suite through an
// ioredis Cluster client. Any script or transaction spanning two slots would fail here with CROSSSLOT.
// Skipped, saying so, when redis-server or redis-cli is not installed.

import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { Cluster } from 'ioredis';
import { runStoreConformance } from '../../testing/conformance/index.js';
import { createMemoryStore } from '../memory/index.js';
import { createRedisBackend, withRedis } from './index.js';
import { freePort } from '../../../test/kit.js';
import { describeOrSkip } from '../../../test/support-services.js';

const missing = ['redis-server', 'redis-cli'].find((bin) => spawnSync(bin, ['--version']).error !== undefined);
const skip = missing ? `${missing} is not installed: Redis Cluster tests skipped` : false;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describeOrSkip('redis backend on Redis Cluster', skip, () => {
  const nodes: ChildProcess[] = [];
  let dir: string;
  const ports: number[] = [];
  let sequence = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-redis-cluster-'));
    // Cluster ports + 10000 (the bus port) must be free too; retry on the rare clash.
    for (let i = 0; i < 3; i++) {
      let port: number;
      do port = await freePort(); while (port > 55000 || ports.includes(port));
      ports.push(port);
      const node = spawn('redis-server', [
        '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-config-file', join(dir, `nodes-${port}.conf`),
        '--save', '', '--appendonly', 'no', '--dir', dir,
      ], { stdio: 'ignore' });
      nodes.push(node);
    }
    for (const port of ports) {
      for (let tries = 0; spawnSync('redis-cli', ['-p', String(port), 'ping'], { encoding: 'utf8' }).stdout.trim() !== 'PONG'; tries++) {
        if (tries > 100) throw new Error(`redis-server on ${port} did not start`);
        await sleep(50);
      }
    }
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((p) => `127.0.0.1:${p}`), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`cluster create failed: ${create.stdout}${create.stderr}`);
    for (let tries = 0; !spawnSync('redis-cli', ['-p', String(ports[0]), 'cluster', 'info'], { encoding: 'utf8' }).stdout.includes('cluster_state:ok'); tries++) {
      if (tries > 200) throw new Error('the cluster did not become ready');
      await sleep(50);
    }
  });

  after(() => {
    for (const node of nodes) node.kill('SIGKILL');
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  runStoreConformance('memory+redis cluster', async () => {
    const client = new Cluster(ports.map((port) => ({ host: '127.0.0.1', port })), { enableAutoPipelining: true, lazyConnect: true });
    await client.connect();
    const store = withRedis(createMemoryStore(), await createRedisBackend({ client, prefix: `conf${++sequence}:` }));
    return { store }; // the cluster is thrown away whole
  });
});
