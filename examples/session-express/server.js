// A server-rendered web app on cookie sessions (Express): the seeds' classic web app. The server renders every
// page for the signed-in user; the browser holds only an HttpOnly session cookie (and a readable CSRF cookie).
// The page script (public/app.js) signs in and out through gatehouse/client and sends the one unsafe action,
// adding a note, with the X-CSRF-Token header that requireAuth checks.
//
//   npm run example:session        # http://127.0.0.1:3001
//
// PORT (3001); EXAMPLE_STORE=sqlite keeps users in data/gatehouse.db beside this file (it then needs
// GATEHOUSE_SECRET, 32+ characters, the same on every start); other GATEHOUSE_* settings apply as documented.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { createGatehouse, resolveConfig } from 'gatehouse';
import { gatehouseExpress, requireAuth } from 'gatehouse/express';
import { createMemoryStore } from 'gatehouse/stores/memory';
import { createSqliteStore } from 'gatehouse/stores/sqlite';

const here = dirname(fileURLToPath(import.meta.url));
const port = Number(process.env.PORT ?? 3001);
const store =
  process.env.EXAMPLE_STORE === 'sqlite' ? await createSqliteStore({ path: join(here, 'data/gatehouse.db') }) : createMemoryStore();
const config = resolveConfig({ options: { modes: ['session'] }, env: process.env });
const gatehouse = await createGatehouse({ config, store });
const sessionCookie = config.insecureCookies ? 'gh_session' : '__Host-gh_session';

/** The app's own data: each user's notes (in memory, as an app would keep them in its own database). */
const notes = new Map();

const app = express();
app.use(gatehouseExpress(gatehouse)); // /auth/register, /auth/login, /auth/logout, /auth/me, …
app.use('/gatehouse/client', express.static(dirname(fileURLToPath(import.meta.resolve('gatehouse/client')))));
app.use('/static', express.static(join(here, 'public')));

/**
 * The user of a page request, or null. A GET needs no CSRF token, so reading the session cookie is enough;
 * requireAuth (below) is for the unsafe action, where it checks the CSRF token too.
 */
async function pageUser(req) {
  const cookie = (req.headers.cookie ?? '').split(/;\s*/).find((pair) => pair.startsWith(`${sessionCookie}=`));
  const principal = cookie ? await gatehouse.authenticateSession(cookie.slice(sessionCookie.length + 1)) : null;
  return principal && { principal, user: await gatehouse.getUser(principal.userId) };
}

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
/** Sends a page; pages for a signed-in user are never cached (the back button after a logout shows nothing). */
const render = (res, title, body) => res.set('cache-control', 'no-store').send(`<!doctype html><html lang="en"><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title><link rel="icon" href="data:,">
<style>body{font:16px/1.5 system-ui;max-width:40rem;margin:2rem auto;padding:0 1rem}label{display:block;margin:.5rem 0}</style>
<script type="module" src="/static/app.js"></script>
<main><h1>${escape(title)}</h1>${body}<p id="status" role="status"></p></main></html>`);

app.get('/', async (req, res) => {
  if (await pageUser(req)) return res.redirect(303, '/account');
  render(res, 'Session example', `<p>Server-rendered pages on a cookie session.</p>
<form id="auth"><label>Email <input name="email" type="email" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" minlength="12" required></label>
<button name="action" value="login">Sign in</button> <button name="action" value="register">Create account</button></form>`);
});

/** The protected page: rendered on the server for the signed-in user, or a redirect to sign in. */
app.get('/account', async (req, res) => {
  const signedIn = await pageUser(req);
  if (!signedIn) return res.redirect(303, '/');
  const { user, principal } = signedIn;
  const sessions = await gatehouse.listSessions(user.id, principal.sessionId);
  render(res, 'Your account', `<p id="who">Signed in as <strong>${escape(user.email)}</strong></p>
<h2>Notes</h2><ul id="notes">${(notes.get(user.id) ?? []).map((note) => `<li>${escape(note)}</li>`).join('')}</ul>
<form id="note"><label>New note <input name="text" required maxlength="200"></label> <button>Add</button></form>
<h2>Signed-in browsers</h2><ul id="sessions">${sessions
    .map((s) => `<li>${escape(s.userAgent ?? 'unknown')}, since ${escape(s.createdAt)}${s.current ? ' (this one)' : ''}</li>`)
    .join('')}</ul>
<p><button id="logout">Sign out</button> <button id="logout-all">Sign out everywhere</button></p>`);
});

/** The unsafe action: requireAuth wants the session cookie and its X-CSRF-Token (gatehouse/client adds it). */
app.post('/account/notes', requireAuth(gatehouse), express.json(), (req, res) => {
  const { userId } = res.locals.principal;
  const text = typeof req.body?.text === 'string' ? req.body.text.trim().slice(0, 200) : '';
  if (text === '') return res.status(400).json({ error: { code: 'invalid_request', message: 'A note needs some text.' } });
  notes.set(userId, [...(notes.get(userId) ?? []), text]);
  res.status(201).json({ notes: notes.get(userId) });
});

app.listen(port, '127.0.0.1', () => console.log(`session example on http://127.0.0.1:${port}`));
