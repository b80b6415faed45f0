// The hybrid example's page script: gatehouse/client in hybrid mode. The browser sends the cookies by itself;
// client.fetch adds X-CSRF-Token on unsafe requests and, when the access token is due, refreshes it first (one
// refresh for every caller and tab). The cookies survive a reload, so a reload stays signed in.
import { createClient } from '/gatehouse/client/index.js';

const client = createClient({ mode: 'hybrid' });
const $ = (id) => document.getElementById(id);
const fail = (error) => ($('status').textContent = error.message);

/** Shows the page for `user` (null: signed out) with their notes, which come from the protected API. */
async function show(user) {
  $('auth').hidden = user !== null;
  $('account').hidden = user === null;
  $('status').textContent = '';
  if (user === null) return;
  $('who').textContent = `Signed in as ${user.email}`;
  const response = await client.fetch('/api/notes');
  if (response.status === 401) return fail(new Error('You were signed out: sign in again.'));
  if (!response.ok) return fail(new Error(`Notes not loaded (${response.status})`));
  const { notes } = await response.json();
  $('notes').replaceChildren(...notes.map((text) => Object.assign(document.createElement('li'), { textContent: text })));
}

show(await client.me()).catch(fail); // who the cookies say, if anyone
client.onChange((user) => show(user).catch(fail)); // a login or logout here or in another tab

$('auth').addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const credentials = { email: form.get('email'), password: form.get('password') };
  try {
    if (event.submitter?.value === 'register') await client.register(credentials);
    await client.login(credentials); // sets the cookies; onChange shows the account
    event.target.reset();
  } catch (error) {
    fail(error);
  }
});

$('note').addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = new FormData(event.target).get('text');
  const response = await client.fetch('/api/notes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (!response.ok) return fail(new Error(`Not saved (${response.status})`));
  event.target.reset();
  await show(client.user);
});

$('reload-notes').addEventListener('click', () => show(client.user).catch(fail));
$('logout').addEventListener('click', () => client.logout().catch(fail));
$('logout-all').addEventListener('click', () => client.logoutAll().catch(fail));
