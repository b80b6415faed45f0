// Owns serving the hosted pages (SPEC §8): each page of UI_PAGES as a small HTML shell with a strict CSP (scripts
// and styles only from files on this origin, nothing inline), and the built bundles under /ui/assets/ from
// dist/ui (scripts/build-ui.mjs), read once at start-up and answered by exact name only. GATEHOUSE_UI=0: none
// of these routes exist.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import type { GatehouseConfig } from '../core/config.js';
import { securityHeaders } from '../http/headers.js';
import { UI_PAGES, type UiPage } from './ui-pages.js';

/**
 * The pages' Content-Security-Policy: everything from this origin's files, nothing inline, no eval; the API is
 * called on this origin; images may be `data:` URLs. Reuse it (or pageHeaders) for any page the server adds.
 */
export const PAGE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "manifest-src 'self'",
  "form-action 'self'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** Where the built assets are served from. */
export const UI_ASSETS_PREFIX = '/ui/assets/';

/** The headers of a hosted page: the server's security headers with the pages' CSP. */
export function pageHeaders(config: Readonly<GatehouseConfig>): Record<string, string> {
  return { ...securityHeaders(config), 'content-security-policy': PAGE_CSP, 'content-type': 'text/html; charset=utf-8' };
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  json: 'application/json; charset=utf-8',
  svg: 'image/svg+xml',
  png: 'image/png',
  ico: 'image/x-icon',
  woff2: 'font/woff2',
};

interface Asset {
  body: Buffer;
  type: string;
  etag: string;
  /** Content-hashed names (esbuild's shared chunks, `chunk-ABCD1234.js`) never change: cached for good. */
  immutable: boolean;
}

/** The built assets: dist/ui next to this file once compiled (dist/server/ui.js), or the repository's dist/ui from source. */
export function defaultUiAssetsDir(): string | null {
  for (const candidate of ['../ui/', '../../dist/ui/']) {
    const dir = fileURLToPath(new URL(candidate, import.meta.url));
    if (existsSync(join(dir, 'manifest.json'))) return dir;
  }
  return null;
}

function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const type = CONTENT_TYPES[entry.name.split('.').pop() ?? ''];
    if (!entry.isFile() || type === undefined || !/^[A-Za-z0-9._-]+$/.test(entry.name)) continue;
    const body = readFileSync(join(dir, entry.name));
    const etag = `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`;
    assets.set(entry.name, { body, type, etag, immutable: /-[A-Z0-9]{8}\.[a-z0-9]+$/.test(entry.name) });
  }
  return assets;
}

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/** A page's HTML: a shell that loads the theme, the entry's own styles if any, and the entry's module. */
export function pageHtml(page: UiPage, hasAsset: (name: string) => boolean): string {
  const asset = (name: string) => `${UI_ASSETS_PREFIX}${encodeURIComponent(name)}`;
  return [
    '<!doctype html>',
    `<html lang="${escapeHtml(page.lang ?? 'en')}">`,
    '<head>',
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    '<meta name="color-scheme" content="light dark">',
    `<title>${escapeHtml(page.title)} · Gatehouse</title>`,
    `<link rel="stylesheet" href="${asset('theme.css')}">`,
    hasAsset(`${page.entry}.css`) ? `<link rel="stylesheet" href="${asset(`${page.entry}.css`)}">` : '',
    `<script type="module" src="${asset(`${page.entry}.js`)}"></script>`,
    '</head>',
    '<body>',
    `<div id="app"><noscript>This page needs JavaScript.</noscript></div>`,
    '</body>',
    '</html>',
    '',
  ].filter((line) => line !== '').join('\n');
}

export interface UiOptions {
  config: Readonly<GatehouseConfig>;
  /** The built assets (dist/ui); defaultUiAssetsDir() when absent. */
  assetsDir?: string | null;
  /** The pages to serve; UI_PAGES when absent. */
  pages?: readonly UiPage[];
  /** Whether the pages that need the development-only trace (`live`) are served; without them `/` redirects to `/sign-in`. */
  live?: boolean;
}

/** Adds the pages and /ui/assets/ to the app. Returns a warning when the assets are not built (the pages would be blank). */
export function registerUi(app: FastifyInstance, options: UiOptions): string | null {
  const dir = options.assetsDir === undefined ? defaultUiAssetsDir() : options.assetsDir;
  const assets = dir === null ? new Map<string, Asset>() : loadAssets(dir);
  const headers = securityHeaders(options.config);
  const htmlHeaders = pageHeaders(options.config);

  const pages = (options.pages ?? UI_PAGES).filter((page) => options.live === true || page.live !== true);
  for (const page of pages) {
    const html = pageHtml(page, (name) => assets.has(name));
    app.get(page.path, (_request, reply) => {
      void reply.headers(htmlHeaders).send(html);
    });
  }
  // The explainer's panes only work beside the trace (development): elsewhere the front door is the sign-in page.
  if (!pages.some((page) => page.path === '/')) {
    app.get('/', (_request, reply) => {
      void reply.headers(headers).redirect('/sign-in', 302);
    });
  }
  app.get<{ Params: { file: string } }>(`${UI_ASSETS_PREFIX}:file`, (request, reply) => {
    const asset = assets.get(request.params.file);
    if (asset === undefined) {
      void reply.callNotFound();
      return;
    }
    reply.headers(headers).header('content-type', asset.type).header('etag', asset.etag);
    reply.header('cache-control', asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    if (request.headers['if-none-match'] === asset.etag) {
      void reply.code(304).send();
      return;
    }
    void reply.send(asset.body);
  });
  return assets.size === 0 ? `hosted pages: no built assets found${dir === null ? '' : ` in ${dir}`}; run npm run build (or set GATEHOUSE_UI=0)` : null;
}
