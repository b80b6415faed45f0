// The OpenAPI document (src/http/openapi.ts) and what serves it (src/server/api-reference.ts): a valid OpenAPI 3.1
// document (@readme/openapi-parser), the Error code enum as core's table, every route of the standalone server in
// it and nothing more, `GET /openapi.json` cacheable with the security headers, the checker createClient runs on
// every response of the suite (test/openapi-kit.ts), and the API reference page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { validate } from '@readme/openapi-parser';
import { ERROR_CODES } from '../src/core/errors.js';
import { OPENAPI_DOCUMENT } from '../src/http/openapi.js';
import { PAGE_CSP } from '../src/server/ui.js';
import { axeViolations, findChromium, launchChromium } from './browser-kit.js';
import { createClient, startTestServer, type TestServer } from './helpers.js';
import { isHostedPage, responseProblem } from './openapi-kit.js';

type Json = Record<string, unknown>;
const paths = OPENAPI_DOCUMENT['paths'] as Record<string, Record<string, Json>>;

/** Every `METHOD /path` Fastify routes, from printRoutes' tree (each line's segment appended to its parent's path). */
function registeredRoutes(tree: string): string[] {
  const routes: string[] = [];
  const stack: string[] = [];
  for (const line of tree.split('\n')) {
    const match = /^([│ ]*)[├└]── (.+?)(?: \(([A-Z, ]+)\))?$/.exec(line);
    if (!match) continue;
    const depth = (match[1] ?? '').length / 4;
    const path = depth === 0 ? (match[2] ?? '') : `${stack[depth - 1] ?? ''}${match[2] ?? ''}`;
    stack[depth] = path;
    for (const method of (match[3] ?? '').split(', ').filter(Boolean)) routes.push(`${method} ${path}`);
  }
  return routes;
}

describe('OpenAPI document', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('is a valid OpenAPI 3.1 document', async () => {
    const result = await validate(structuredClone(OPENAPI_DOCUMENT) as never);
    assert.deepEqual(result, { valid: true, warnings: [], specification: 'OpenAPI' });
    assert.equal(OPENAPI_DOCUMENT['openapi'], '3.1.0');
    assert.deepEqual(OPENAPI_DOCUMENT['servers'], [{ url: '/' }]);
  });

  it('has one Error schema whose code enum is core\'s code table', () => {
    const schemas = (OPENAPI_DOCUMENT['components'] as { schemas: Record<string, Json> }).schemas;
    const error = (schemas['Error']?.['properties'] as { error: { properties: { code: { enum: string[] } } } }).error;
    assert.deepEqual(error.properties.code.enum, ERROR_CODES);
    // Every error response of every operation narrows that schema; no other error shape exists.
    for (const item of Object.values(paths)) {
      for (const operation of Object.values(item)) {
        for (const [status, response] of Object.entries(operation['responses'] as Record<string, Json>)) {
          if (!/^[45]/.test(status)) continue;
          const schema = ((response['content'] as Record<string, Json>)['application/json'] as { schema: { allOf: unknown[] } }).schema;
          assert.deepEqual(schema.allOf, [{ $ref: '#/components/schemas/Error' }], `${status} of ${String(operation['operationId'])}`);
        }
      }
    }
  });

  it('describes every route the standalone server registers, and no other', () => {
    const tree = server.server.app.printRoutes({ commonPrefix: false });
    const registered = new Set(
      registeredRoutes(tree)
        // HEAD comes with every GET; OPTIONS /auth/* is the CORS preflight (the tree prints its wildcard without its
        // prefix, so checked with hasRoute below); the hosted pages are HTML, not the API.
        .filter((route) => !route.startsWith('HEAD ') && !route.startsWith('OPTIONS ') && !isHostedPage(route.split(' ')[1] ?? ''))
        .map((route) => route.replace(/:(\w+)/g, '{$1}')),
    );
    assert.ok(registered.size > 50, `parsed the route tree:\n${tree}`);
    assert.ok(server.server.app.hasRoute({ method: 'OPTIONS', url: '/auth/*' }));
    assert.equal(registeredRoutes(tree).filter((route) => route.startsWith('OPTIONS ')).length, 1, 'the preflight is the only OPTIONS route');
    const documented = new Set(Object.entries(paths).flatMap(([path, item]) => Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`)));
    assert.deepEqual([...registered].filter((route) => !documented.has(route)), [], 'registered, not documented');
    assert.deepEqual([...documented].filter((route) => !registered.has(route)), [], 'documented, not registered');
  });

  it('serves GET /openapi.json, cacheable, with an ETag and the security headers', async () => {
    const client = createClient(server);
    const response = await client.get('/openapi.json');
    assert.equal(response.status, 200);
    assert.deepEqual(response.body, OPENAPI_DOCUMENT);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(response.headers.get('cache-control'), 'public, max-age=300');
    assert.equal(response.headers.get('x-content-type-options'), 'nosniff');
    assert.match(response.headers.get('content-security-policy') ?? '', /default-src 'none'/);
    const etag = response.headers.get('etag') ?? '';
    assert.match(etag, /^"[\w-]+"$/);
    const again = await client.get('/openapi.json', { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assert.equal(again.text, '');
  });

  it('checks real responses: an undocumented status, a wrong body or an unknown path is caught', () => {
    const login = { method: 'POST', path: '/auth/login', contentType: 'application/json' };
    assert.equal(responseProblem({ ...login, status: 200, body: { mfaRequired: true, mfaToken: 't', methods: ['totp'] } }, true), null);
    assert.match(responseProblem({ ...login, status: 418, body: null }, true) ?? '', /status 418 is not documented/);
    assert.match(responseProblem({ ...login, status: 200, body: { user: {} } }, true) ?? '', /does not match/);
    // A code the operation cannot send at that status.
    assert.match(responseProblem({ ...login, status: 404, body: { error: { code: 'not_found', message: 'x' } } }, true) ?? '', /not documented/);
    assert.match(responseProblem({ ...login, status: 401, body: { error: { code: 'unauthenticated', message: 'x' } } }, true) ?? '', /does not match/);
    assert.equal(responseProblem({ ...login, status: 401, body: { error: { code: 'invalid_credentials', message: 'x' } } }, true), null);
    const unknown = { method: 'GET', path: '/nope?x=1', contentType: 'application/json' };
    assert.equal(responseProblem({ ...unknown, status: 404, body: { error: { code: 'not_found', message: 'Not found.' } } }, true), null);
    assert.match(responseProblem({ ...unknown, status: 200, body: {} }, true) ?? '', /generic 404/);
    assert.equal(responseProblem({ ...unknown, status: 200, body: {} }, false), null, 'an adapter\'s host app has its own routes');
    assert.equal(responseProblem({ method: 'DELETE', path: '/auth/sessions/abc', status: 204, contentType: '', body: null }, true), null);
  });
});

describe('API reference page', () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it('renders every operation by tag with its body fields, responses and error codes, under the pages\' CSP', async () => {
    const response = await fetch(`${server.url}/api`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(response.headers.get('content-security-policy'), PAGE_CSP);
    assert.equal(response.headers.get('x-frame-options'), 'DENY');
    const html = await response.text();
    assert.doesNotMatch(html, /<script|\sstyle=|\son\w+=/i, 'no script, no inline style or handler');
    for (const tag of ['Sign-in', 'Account', 'Second factor', 'Passkeys', 'Administration', 'Verifiers', 'Operations']) {
      assert.match(html, new RegExp(`<h2 id="tag-[a-z-]+">${tag}</h2>`));
    }
    const operations = Object.values(paths).reduce((count, item) => count + Object.keys(item).length, 0);
    assert.equal(html.match(/<section class="ar-op" id="op-/g)?.length, operations);
    const login = /<section class="ar-op" id="op-login"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    assert.match(login, /<span class="ar-method">post<\/span> <span class="ar-path">\/auth\/login<\/span>/);
    assert.match(login, /<code>email<\/code><\/td><td>string<\/td><td>required/);
    assert.match(login, /<code>mode<\/code>[\s\S]*optional/);
    assert.match(login, /<td>401<\/td><td><code>invalid_credentials<\/code><\/td>/);
    assert.match(login, /href="#schema-loginresponse">LoginResponse<\/a>/);
    const revoke = /<section class="ar-op" id="op-adminrevokerole"[\s\S]*?<\/section>/.exec(html)?.[0] ?? '';
    assert.match(revoke, /\/admin\/users\/\{id\}\/roles\/\{role\}/);
    assert.match(revoke, /<code>reauthentication_required<\/code>/);
    assert.match(html, /id="schema-error"/);
    assert.match(html, /&#39;|&quot;|&amp;/, 'text is escaped');
    assert.doesNotMatch(html.replace(/<[^>]*>/g, ''), /[<>]/, 'no stray markup characters in text');
  });

  it('has no axe-core violation, and needs no script', { skip: findChromium().skip }, async () => {
    const browser = await launchChromium(findChromium().bin ?? '');
    try {
      const page = await (await browser.newContext({ javaScriptEnabled: true })).newPage();
      const refused: string[] = [];
      page.on('console', (message) => {
        if (/Content Security Policy/i.test(message.text())) refused.push(message.text());
      });
      assert.equal((await page.goto(`${server.url}/api`))?.status(), 200);
      assert.deepEqual(refused, [], 'nothing the CSP refuses');
      assert.deepEqual(await axeViolations(page), []);
    } finally {
      await browser.close();
    }
  });

  it('serves its style sheet, and is not there with the hosted pages off', async () => {
    const css = await fetch(`${server.url}/api/reference.css`);
    assert.equal(css.status, 200);
    assert.match(css.headers.get('content-type') ?? '', /^text\/css/);
    const off = await startTestServer({ options: { ui: false } });
    try {
      assert.equal((await fetch(`${off.url}/api`)).status, 404);
      assert.equal((await fetch(`${off.url}/openapi.json`)).status, 200, 'the document stays');
    } finally {
      await off.close();
    }
  });
});
