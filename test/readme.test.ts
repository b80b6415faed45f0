// Owns keeping the README's samples true: every ```ts block is type-checked against src/ (a temporary
// tsconfig maps `gatehouse` and its subpaths onto the source entry points behind package.json "exports", so
// no build is needed) and run as a program; the ```sh curl walk-throughs run under bash against a real
// server, their status codes checked. Port 3000 in a sample becomes a free port, auth.example.com the server.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULTS } from '../src/core/config.js';
import { describeOptions, resolveServerConfig, SERVER_DEFAULTS, type ServerConfig } from '../src/server/config.js';
import { createServer, type GatehouseServer } from '../src/server/server.js';
import { createMemoryStore } from '../src/stores/memory/index.js';
import { register, tokenLogin } from './helpers.js';
import { freePort } from './nginx-kit.js';
import { packageEntries, root } from './package-exports.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = (lang: string) => [...readme.matchAll(new RegExp(`^\`\`\`${lang}\\n([\\s\\S]*?)^\`\`\`$`, 'gm'))].map((m) => m[1] ?? '');
const tsSamples = blocks('ts');
const curlWalkThroughs = blocks('sh').filter((block) => /^curl |\$\(curl /m.test(block));
const curlSkip = spawnSync('curl', ['--version']).status === 0 ? false : 'curl is not installed';

/** What each curl walk-through must answer, call by call. */
const EXPECTED_STATUSES = {
  session: [201, 200, 200, 204], // register, login, me, logout
  token: [200, 200, 200, 204], // login, me, refresh, logout
};

/** `gatehouse/x` → the src/ file behind `./x` in package.json "exports", relative to `dir`. */
function pathsFor(dir: string): Record<string, string[]> {
  return Object.fromEntries(packageEntries().map(({ specifier, source }) => [specifier, [relative(dir, source)]]));
}

/** Runs a program; one that starts serving the Gatehouse API on `port` is stopped once it answers. */
function runProgram(dir: string, file: string, port: number, env: NodeJS.ProcessEnv, args: string[] = []) {
  return new Promise<{ code: number | null; served: boolean; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn(process.execPath, ['--import', 'tsx', file, ...args], { cwd: dir, env });
    let stdout = '';
    let stderr = '';
    let served = false;
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const deadline = setTimeout(() => child.kill('SIGKILL'), 60_000);
    const poll = setInterval(() => {
      fetch(`http://127.0.0.1:${port}/auth/me`).then(async (response) => {
        const body = (await response.json()) as { error?: { code?: string } };
        if (response.status === 401 && body.error?.code === 'unauthenticated' && !served) {
          served = true;
          child.kill('SIGTERM');
        }
      }).catch(() => {}); // not listening yet
    }, 200);
    child.on('error', fail);
    child.on('exit', (code) => {
      clearInterval(poll);
      clearTimeout(deadline);
      done({ code, served, stdout, stderr });
    });
  });
}

function runBash(dir: string, script: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done, fail) => {
    const child = spawn('bash', ['-c', script], { cwd: dir, timeout: 60_000 });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', fail);
    child.on('exit', (code) => done({ code, stdout, stderr }));
  });
}

describe('README samples', () => {
  let dir: string;
  let server: GatehouseServer;
  let serverUrl: string;
  let samplePort: number;
  let env: NodeJS.ProcessEnv;

  before(async () => {
    assert.ok(tsSamples.length >= 3, 'the README has its TypeScript samples');
    assert.equal(curlWalkThroughs.length, 2, 'the README has the session and the token walk-throughs');
    dir = mkdtempSync(join(tmpdir(), 'gatehouse-readme-'));
    symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
    const repoOptions = (JSON.parse(readFileSync(join(root, 'tsconfig.json'), 'utf8')) as { compilerOptions: object }).compilerOptions;
    const compilerOptions = { ...repoOptions, noEmit: true, declaration: false, sourceMap: false, paths: pathsFor(dir) };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions, include: ['*.ts'] }, null, 2));
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true })); // an ESM app, as Gatehouse is

    server = await createServer({
      config: resolveServerConfig({ options: { port: 0, host: '127.0.0.1', logLevel: 'silent' } }),
      store: createMemoryStore(),
    });
    serverUrl = await server.listen();
    samplePort = await freePort();
    tsSamples.forEach((sample, i) => {
      const runnable = sample.replace(/\b3000\b/g, String(samplePort)).replaceAll('https://auth.example.com', serverUrl);
      writeFileSync(join(dir, `sample-${i + 1}.ts`), runnable);
    });
    // The samples' own environment: nothing of the caller's GATEHOUSE_* or NODE_ENV, a secret as production has.
    env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('GATEHOUSE_') && name !== 'NODE_ENV'));
    Object.assign(env, { GATEHOUSE_SECRET: randomBytes(32).toString('base64url'), GATEHOUSE_LOG_LEVEL: 'warn' });
  });

  after(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('type-check against the source (strict, as the repository)', () => {
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'], { cwd: dir, encoding: 'utf8' });
    const report = tsc.stdout.replace(/sample-(\d+)\.ts/g, (_, n: string) => `README ts sample ${n}`);
    assert.equal(tsc.status, 0, `the README's TypeScript samples do not type-check:\n${report}${tsc.stderr}`);
  });

  for (const [i, sample] of tsSamples.entries()) {
    const title = sample.split('\n').find((line) => line.includes("from 'gatehouse")) ?? `sample ${i + 1}`;
    it(`runs TypeScript sample ${i + 1} (${title.trim()})`, async () => {
      const verifies = sample.includes("'gatehouse/verify'");
      const user = verifies ? await tokenLogin({ url: serverUrl, origin: serverUrl }, await register({ url: serverUrl, origin: serverUrl })) : undefined;
      const run = await runProgram(dir, `sample-${i + 1}.ts`, samplePort, env, user ? [user.access_token] : []);
      const output = `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`;
      assert.ok(run.served || run.code === 0, `sample ${i + 1} neither served the API nor exited with 0 (${run.code})\n${output}`);
      // `console.log(x); // true` documents what the line prints.
      for (const [, printed] of sample.matchAll(/console\.log\(.*\);\s*\/\/\s*(.+)$/gm)) {
        assert.ok(run.stdout.split('\n').includes(printed ?? ''), `sample ${i + 1} should print ${printed}\n${output}`);
      }
      if (user) assert.match(run.stdout, new RegExp(`user ${user.user?.id ?? '?'}`), `the verifier accepts a real token\n${output}`);
    });
  }

  it('runs the curl walk-throughs with bash: session, then token', { skip: curlSkip }, async () => {
    const port = new URL(serverUrl).port;
    for (const block of curlWalkThroughs) {
      const kind = block.includes('"mode":"token"') ? 'token' : 'session';
      // curl writes each status code to stderr; stdout stays what the reader sees (and what $(…) captures).
      const script = `set -euo pipefail\ncurl() { command curl -w '%{stderr}%{http_code}\\n' "$@"; }\n${block.replaceAll('127.0.0.1:3000', `127.0.0.1:${port}`)}`;
      const bash = await runBash(dir, script); // not spawnSync: the server answers from this process
      const statuses = bash.stderr.split('\n').filter((line) => /^\d{3}$/.test(line)).map(Number);
      assert.equal(bash.code, 0, `the ${kind} walk-through failed:\n${bash.stdout}\n${bash.stderr}`);
      assert.deepEqual(statuses, EXPECTED_STATUSES[kind], `the ${kind} walk-through's status codes\n${bash.stdout}`);
    }
  });
});

describe('README configuration tables', () => {
  // Both tables: the server's options (server/config.ts) and the engine's (core/config.ts).
  const options = describeOptions();
  const defaults: Readonly<ServerConfig> = { ...SERVER_DEFAULTS, ...DEFAULTS };
  const keyOf = new Map(options.map((o) => [o.env, o.key as keyof ServerConfig]));
  const rows = readme.split('\n').filter((line) => line.startsWith('| `GATEHOUSE_')).map((line) => line.split(/(?<!\\)\|/));

  it('name every option, and only options', () => {
    const documented = rows.flatMap((cells) => [...(cells[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]+)`/g)].map((m) => m[1]));
    assert.deepEqual(documented.filter((name) => !keyOf.has(name ?? '')), [], 'rows for variables that are not options');
    assert.deepEqual(options.map((o) => o.env).filter((env) => !readme.includes(`\`${env}\``)), [], 'options the README never names');
  });

  it('give the defaults of DEFAULTS and SERVER_DEFAULTS (each `value` read back through resolveServerConfig)', () => {
    let compared = 0;
    for (const cells of rows) {
      const names = [...(cells[1] ?? '').matchAll(/`(GATEHOUSE_[A-Z0-9_]+)`/g)].map((m) => m[1] ?? '');
      const values = [...(cells[3] ?? '').matchAll(/`([^`]*)`/g)].map((m) => m[1] ?? '');
      if (values.length !== names.length) continue; // `—`, `generated`, `cores`, `off`: no literal default
      names.forEach((name, i) => {
        const key = keyOf.get(name);
        if (key === undefined || defaults[key] === '') return; // derived (the database URL)
        assert.deepEqual(resolveServerConfig({ env: { [name]: values[i] } })[key], defaults[key], `${name}: the README says ${values[i]}`);
        compared++;
      });
    }
    assert.ok(compared > 20, `compared ${compared} defaults`);
  });
});
