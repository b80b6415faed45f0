// Owns what gatehouse/client/passkeys costs and needs as a browser module, as client-bundle.test.ts does for the
// client: its size (bundled with @simplewebauthn/browser, minified, gzipped) under a budget, nothing bundled but
// src/client/ and that package, and its declarations type-checking in a browser project (lib DOM, no @types/node).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, it } from 'node:test';
import { build } from 'esbuild';
import ts from 'typescript';

const root = resolve(import.meta.dirname, '..');
const entry = join(root, 'src/client/passkeys/index.ts');

/** Minified + gzip bytes: about 3.4 KB today, most of it @simplewebauthn/browser. */
const GZIP_BUDGET_BYTES = 5 * 1024;

describe('gatehouse/client/passkeys as a browser module', () => {
  it(`bundles, minified and gzipped, under ${GZIP_BUDGET_BYTES} bytes, from src/client/ and @simplewebauthn/browser alone`, async (t) => {
    const result = await build({ entryPoints: [entry], bundle: true, minify: true, format: 'esm', target: 'es2022', write: false, metafile: true, logLevel: 'silent' });
    const code = result.outputFiles[0]?.contents ?? new Uint8Array();
    const gzipped = gzipSync(code, { level: 9 }).length;
    t.diagnostic(`gatehouse/client/passkeys: ${code.length} bytes minified, ${gzipped} bytes gzipped (budget ${GZIP_BUDGET_BYTES})`);
    assert.ok(gzipped <= GZIP_BUDGET_BYTES, `gatehouse/client/passkeys is ${gzipped} bytes gzipped, over its budget of ${GZIP_BUDGET_BYTES}`);
    const inputs = Object.keys(result.metafile.inputs).map((input) => relative(root, resolve(root, input)));
    const outside = inputs.filter((input) => !input.startsWith('src/client/') && !input.startsWith('node_modules/@simplewebauthn/browser/'));
    assert.deepEqual(outside, [], 'bundled from src/client/ and @simplewebauthn/browser only');
    assert.ok(!inputs.includes('src/client/client.ts'), 'the client itself is the app\'s import, not this entry\'s');
  });

  it('type-checks in a browser project (lib DOM, no @types/node)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-passkeys-dom-'));
    try {
      const app = join(dir, 'app.ts');
      const client = JSON.stringify(join(root, 'src/client/index.js'));
      writeFileSync(
        app,
        `import { createClient, type User } from ${client};
import { deletePasskey, listPasskeys, loginWithPasskey, passkeysSupported, registerPasskey, type PasskeyInfo } from ${JSON.stringify(entry.replace(/\.ts$/, '.js'))};
const client = createClient({ mode: 'hybrid' });
if (passkeysSupported()) {
  const user: User = await loginWithPasskey(client, { autofill: false });
  const created: PasskeyInfo = await registerPasskey(client, { name: 'Laptop' });
  const all: PasskeyInfo[] = await listPasskeys(client);
  await deletePasskey(client, created.id);
  console.log(user.email, all.length, created.lastUsedAt ?? 'never');
}
`,
      );
      const options: ts.CompilerOptions = {
        target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler,
        lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'], types: [], strict: true, noEmit: true, skipLibCheck: true,
        noUncheckedIndexedAccess: true, exactOptionalPropertyTypes: true,
      };
      const program = ts.createProgram([app], options);
      const problems = ts.getPreEmitDiagnostics(program).map((d) => {
        const where = d.file ? `${relative(root, d.file.fileName)}:${d.file.getLineAndCharacterOfPosition(d.start ?? 0).line + 1}: ` : '';
        return where + ts.flattenDiagnosticMessageText(d.messageText, '\n');
      });
      assert.deepEqual(problems, []);
      assert.ok(!program.getSourceFiles().some((f) => f.fileName.includes('@types/node')), 'no @types/node in the program');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
