// The SPA example's page script: gatehouse/client in token mode against the auth server, and client.fetch to the
// API on a third origin with `Authorization: Bearer`. The tokens stay in this tab's memory (no storage named), out
// of reach of anything that outlives the page; a reload forgets them unless another tab of the app is open, which
// hands them over. When the access token is due, client.fetch refreshes it first, once for every caller and tab.
import { createClient } from '/gatehouse/client/index.js';
import config from '/config.js';

const client = createClient({ baseUrl: config.authOrigin, mode: 'token' });
const $ = (id) => document.getElementById(id);
const fail = (error) => ($('status').textContent = error.message);
const api = (path, init) => client.fetch(config.apiOrigin + path, init);

/** Shows the page for `user` (null: signed out) with their notes, which come from the API. */
async function show(user) {
  $('auth').hidden = user !== null;
  $('account').hidden = user === null;
  $('status').textContent = '';
  if (user === null) return;
  $('who').textContent = `Signed in as ${user.email}`;
  const response = await api('/api/notes');
  if (response.status === 401) return fail(new Error('You were signed out: sign in again.'));
  if (!response.ok) return fail(new Error(`Notes not loaded (${response.status})`));
  const { notes } = await response.json();
  $('notes').replaceChildren(...notes.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
}

show(await client.me()).catch(fail); // null after a reload, unless another tab handed its tokens over
client.onChange((user) => show(user).catch(fail)); // a login or logout here or in another tab

$('auth').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const credentials = { email: form.get('email'), password: form.get('password') };
  try {
    if (event.submitter?.value === 'register') await client.register(credentials);
    await client.login(credentials); // the tokens, in memory; onChange shows the account
    event.target.reset();
  } catch (error) {
    fail(error);
  }
});

$('note').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = new FormData(event.target).get('text');
  const response = await api('/api/notes', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
  if (!response.ok) return fail(new Error(`Not saved (${response.status})`));
  event.target.reset();
  await show(client.user);
});

$('reload-notes').addEventListener('click', () => show(client.user).catch(fail));
$('logout').addEventListener('click', () => client.logout().catch(fail));
$('logout-all').addEventListener('click', () => client.logoutAll().catch(fail));
