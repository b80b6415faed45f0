// A hybrid app (Hono): the seeds' hybrid scenario, "the token in an HttpOnly cookie, with a CSRF token". Signing
// in with mode "hybrid" puts a short-lived JWT access token and a refresh token in HttpOnly cookies, so page
// script never holds a credential (XSS cannot steal one), while every request still carries a token the API
// checks by its signature. Unsafe requests need the X-CSRF-Token header, as with any cookie. The same /api
// routes also take a bearer token (token mode) for a mobile app or another service.
//
//   npm run example:hybrid         # http://127.0.0.1:3005
//
// PORT (3005); GATEHOUSE_ACCESS_TTL (15m; 30s at least) to watch the page refresh its token; EXAMPLE_STORE=sqlite
// keeps users in data/gatehouse.db beside this file (then GATEHOUSE_SECRET, 32+ characters, is needed).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { serve } from '@hono/node-server';
import { serveStatic } from '@hono/node-server/serve-static';
import { Hono } from 'hono';
import { createGatehouse, resolveConfig } from 'gatehouse';
import { gatehouseHono, requireAuth } from 'gatehouse/hono';
import { createMemoryStore } from 'gatehouse/stores/memory';
import { createSqliteStore } from 'gatehouse/stores/sqlite';

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3005);
const store =
  process.env.EXAMPLE_STORE === 'sqlite' ? await createSqliteStore({ path: join(here, 'data/gatehouse.db') }) : createMemoryStore();
const config = resolveConfig({ options: { modes: ['hybrid', 'token'] }, env: process.env });
const gatehouse = await createGatehouse({ config, store });
const clientDir = dirname(fileURLToPath(import.meta.resolve('gatehouse/client')));

/** The app's own data: each user's notes. */
const notes = new Map();

const app = new Hono();
app.route('/', gatehouseHono(gatehouse)); // /auth/login, /auth/refresh, /auth/me, /auth/logout, …

// The API: the access token from the hybrid cookie (X-CSRF-Token on unsafe methods) or a bearer token.
app.use('/api/*', requireAuth(gatehouse, { modes: ['hybrid', 'token'] }));
app.get('/api/notes', (c) => c.json({ notes: notes.get(c.get('principal').userId) ?? [], via: c.get('principal').mode }));
app.post('/api/notes', async (c) => {
  const { userId } = c.get('principal');
  const body = await c.req.json().catch(() => ({}));
  const text = typeof body.text === 'string' ? body.text.trim().slice(0, 200) : '';
  if (text === '') return c.json({ error: { code: 'invalid_request', message: 'A note needs some text.' } }, 400);
  notes.set(userId, [...(notes.get(userId) ?? []), text]);
  return c.json({ notes: notes.get(userId) }, 201);
});

// The page and gatehouse/client, as static files.
app.use('/gatehouse/client/*', serveStatic({ root: clientDir, rewriteRequestPath: (path) => path.slice('/gatehouse/client'.length) }));
app.use('/*', serveStatic({ root: join(here, 'public') }));

serve({ fetch: app.fetch, port, hostname: '127.0.0.1' }, () => console.log(`hybrid example on http://127.0.0.1:${port}`));
