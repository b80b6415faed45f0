// Owns what gatehouse/client costs and needs as a browser module: its size (bundled and minified by esbuild, then
// gzipped) under a budget, no import from outside src/client/ (no dependency, no server code, no Node built-in), and
// its declarations type-checking in a browser project (lib DOM, no @types/node) with the browser's own
// localStorage, fetch, navigator.locks and BroadcastChannel passed where the client takes them.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const entry = join(root, 'src/client/index.ts');

/** The budget: minified + gzip bytes. The client is about 2.7 KB today; SPEC §8 says "a few KB". */
const GZIP_BUDGET_BYTES = 4 * 1024;

describe('gatehouse/client as a browser module', () => {
  it(`bundles, minified and gzipped, under ${GZIP_BUDGET_BYTES} bytes, from src/client/ alone`, async (t) => {
    const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: 'es2022', write: false, metafile: true, logLevel: 'silent' });
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const gzipped = gzipSync(code, { level: 9 }).length;
    t.diagnostic(`gatehouse/client: ${code.length} bytes minified, ${gzipped} bytes gzipped (budget ${GZIP_BUDGET_BYTES})`);
    assert.ok(gzipped <= GZIP_BUDGET_BYTES, `gatehouse/client is ${gzipped} bytes gzipped, over its budget of ${GZIP_BUDGET_BYTES}`);
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(root, input)));
    assert.deepEqual(inputs.filter((input) => !input.startsWith('src/client/')), [], 'bundled from src/client/ only');
    assert.doesNotMatch(new TextDecoder().decode(code), /\bimport\s*[("'{*]/, 'the bundle imports nothing');
  });

  it("type-checks in a browser project (lib DOM, no @types/node) with the browser's own objects", () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-client-dom-'));
    try {
      const app = join(dir, 'app.ts');
      writeFileSync(
        app,
        `import { createClient, GatehouseClientError, type GatehouseClient, type User } from ${JSON.stringify(entry.replace(/\.ts$/, '.js'))};
const client: GatehouseClient = createClient({
  baseUrl: 'https://auth.example.com',
  mode: 'token',
  storage: localStorage,
  fetch: window.fetch.bind(window),
  clock: () => Date.now(),
  locks: navigator.locks,
  channel: (name) => new BroadcastChannel(name),
});
const stop: () => void = client.onChange((user: User | null) => console.log(user?.email));
const f: typeof fetch = client.fetch;
const response: Response = await f(new Request('/api'), { method: 'POST', body: new FormData() });
const step = await client.login({ email: 'ada@example.com', password: 'correct horse battery staple' });
if ('mfaRequired' in step) console.log(step.mfaToken, step.methods);
else console.log(step.roles);
try { await client.logout(); } catch (error) { if (error instanceof GatehouseClientError) console.log(error.status, error.code); }
stop();
export { response };
`,
      );
      const options: ts.CompilerOptions = {
        target: ts.ScriptTarget.ES2022,
        module: ts.ModuleKind.ESNext,
        moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
        noUncheckedIndexedAccess: true,
        exactOptionalPropertyTypes: true,
      };
      const program = ts.createProgram([app], options);
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
        return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
      });
      assert.deepEqual(problems, []);
      const files = program.getSourceFiles().map((f) => f.fileName);
      assert.ok(!files.some((f) => f.includes('@types/node')), 'no @types/node in the program');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
