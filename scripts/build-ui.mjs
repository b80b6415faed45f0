// Owns building the hosted pages (SPEC §8) for `npm run build`: every src/ui/entries/<name>.ts bundled by esbuild
// to dist/ui/<name>.js (shared code split into content-hashed chunk-*.js files), src/ui/theme.css and any
// src/ui/entries/<name>.css to dist/ui/, and dist/ui/manifest.json listing each file with its gzip size.
// `node scripts/build-ui.mjs [outDir]`, or `buildUi({ outDir })` from a test.
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const ENTRIES = join(ROOT, 'src/ui/entries');

/**
 * Builds the pages' assets into `outDir` (emptied first; dist/ui by default) and returns the manifest.
 * @param {{ outDir?: string, minify?: boolean }} [options]
 * @returns {Promise<{ files: { name: string, bytes: number, gzipBytes: number }[] }>}
 */
export async function buildUi(options = {}) {
  const outDir = options.outDir ?? join(ROOT, 'dist/ui');
  const minify = options.minify ?? true;
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  const names = readdirSync(ENTRIES);
  const scripts = Object.fromEntries(names.filter((n) => n.endsWith('.ts')).map((n) => [basename(n, '.ts'), join(ENTRIES, n)]));
  const styles = {
    theme: join(ROOT, 'src/ui/theme.css'),
    ...Object.fromEntries(names.filter((n) => n.endsWith('.css')).map((n) => [basename(n, '.css'), join(ENTRIES, n)])),
  };
  const common = { bundle: true, minify, outdir: outDir, logLevel: /** @type {const} */ ('warning'), legalComments: /** @type {const} */ ('none') };
  await build({
    ...common,
    entryPoints: scripts,
    format: 'esm',
    splitting: true,
    target: ['es2022'],
    platform: 'browser',
    chunkNames: 'chunk-[hash]',
    tsconfig: join(ROOT, 'src/ui/tsconfig.json'),
  });
  await build({ ...common, entryPoints: styles, loader: { '.svg': 'dataurl' } });
  const files = readdirSync(outDir)
    .sort()
    .map((name) => {
      const body = readFileSync(join(outDir, name));
      return { name, bytes: body.length, gzipBytes: gzipSync(body, { level: 9 }).length };
    });
  const manifest = { files };
  writeFileSync(join(outDir, 'manifest.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const manifest = await buildUi(process.argv[2] ? { outDir: process.argv[2] } : {});
  const total = manifest.files.reduce((sum, f) => sum + f.gzipBytes, 0);
  console.log(`dist/ui: ${manifest.files.length} files, ${(total / 1024).toFixed(1)} KB gzipped`);
}
