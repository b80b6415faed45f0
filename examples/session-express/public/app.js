// The session example's page script. The server renders the pages; this only signs in and out through
// gatehouse/client and sends the unsafe action with client.fetch, which adds the X-CSRF-Token header (the
// session cookie goes by itself). When another tab signs in or out, the page asks the server again (reload).
import { createClient } from '/gatehouse/client/index.js';

const client = createClient({ mode: 'session' });
const status = document.getElementById('status');
const fail = (error) => (status.textContent = error.message);
const signedInPage = document.getElementById('who') !== null;

// A logout (or login) in another tab of this browser reaches this one: the server renders the new state.
client.onChange((user) => {
  if ((user !== null) !== signedInPage) location.reload();
});
if (signedInPage) await client.me(); // the client learns who is signed in, so it notices when that changes

document.getElementById('auth')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const form = new FormData(event.target);
  const credentials = { email: form.get('email'), password: form.get('password') };
  try {
    if (event.submitter?.value === 'register') await client.register(credentials);
    await client.login(credentials); // sets the HttpOnly session cookie
    location.assign('/account');
  } catch (error) {
    fail(error); // e.g. invalid_credentials, email_taken, a password too weak
  }
});

document.getElementById('note')?.addEventListener('submit', async (event) => {
  event.preventDefault();
  const text = new FormData(event.target).get('text');
  const response = await client.fetch('/account/notes', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ text }),
  });
  if (response.ok) location.reload(); // the server renders the list
  else fail(new Error(`Not saved (${response.status})`));
});

document.getElementById('logout')?.addEventListener('click', () => client.logout().then(() => location.assign('/'), fail));
document.getElementById('logout-all')?.addEventListener('click', () => client.logoutAll().then(() => location.assign('/'), fail));
