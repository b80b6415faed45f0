// Owns the account page: who is signed in (and whether the email is verified), sign out and sign out everywhere,
// and the sections: devices, second factors, password, email, security events, deleting the account. Signed out,
// it sends the user to sign in and back.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { User } from '../../client/index.js';
import { api, client, withStepUp } from '../api.js';
import { Field, Page, Status, useAction } from '../components.js';
import { StepUpDialog } from '../step-up.js';
import { EventsSection, SessionsSection } from './account-activity.js';
import { PasskeysSection, TotpSection } from './account-security.js';

type AccountUser = User & { emailVerified?: boolean };

function Profile(props: { user: AccountUser }): VNode {
  const action = useAction();
  const welcome = new URLSearchParams(location.search).has('welcome');
  const resend = () => action.run(async () => {
    await api('POST', '/auth/email/verify/request');
    return `We sent a verification link to ${props.user.email}.`;
  });
  return html`
    <section class="gh-card" aria-labelledby="profile-title">
      <h2 id="profile-title" class="gh-sr">Profile</h2>
      <${Status} error=${action.error} ok=${action.ok ?? (welcome ? 'Welcome! Your account is ready.' : null)} />
      <p><strong data-testid="email">${props.user.email}</strong>
        ${props.user.emailVerified ? html`<span class="gh-badge">verified</span>` : null}</p>
      ${props.user.emailVerified === false
        ? html`<p>Your email is not verified yet. <button type="button" class="gh-link" onClick=${resend} disabled=${action.busy}>Send the link again</button></p>`
        : null}
    </section>
  `;
}

function PasswordSection(): VNode {
  const action = useAction();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const submit = action.submit(async () => {
    await withStepUp(() => api('POST', '/auth/password', { currentPassword: current, newPassword: next }));
    setCurrent('');
    setNext('');
    return 'Password changed. Your other devices were signed out.';
  });
  return html`
    <form class="gh-card" aria-labelledby="password-title" onSubmit=${submit} novalidate>
      <h2 id="password-title">Password</h2>
      <${Status} error=${action.error} ok=${action.ok} />
      <input type="text" class="gh-sr" autocomplete="username" tabindex="-1" aria-hidden="true" value=${client.user?.email ?? ''} readonly />
      <${Field} id="current-password" label="Current password" type="password" autocomplete="current-password" value=${current} onValue=${setCurrent} />
      <${Field} id="changed-password" label="New password" type="password" autocomplete="new-password" value=${next} onValue=${setNext} />
      <button type="submit" disabled=${action.busy}>Change password</button>
    </form>
  `;
}

function EmailSection(): VNode {
  const action = useAction();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = action.submit(async () => {
    await withStepUp(() => api('POST', '/auth/email/change', { newEmail: email.trim(), currentPassword: password }));
    setPassword('');
    return `We sent a link to ${email.trim()}: the change is made when you open it.`;
  });
  return html`
    <form class="gh-card" aria-labelledby="email-title" onSubmit=${submit} novalidate>
      <h2 id="email-title">Email address</h2>
      <${Status} error=${action.error} ok=${action.ok} />
      <${Field} id="new-email" label="New email" type="email" autocomplete="email" value=${email} onValue=${setEmail} />
      <${Field} id="email-password" label="Current password" type="password" autocomplete="current-password" value=${password} onValue=${setPassword} />
      <button type="submit" disabled=${action.busy}>Change email</button>
    </form>
  `;
}

function DeleteSection(): VNode {
  const action = useAction();
  const [password, setPassword] = useState('');
  const submit = action.submit(async () => {
    if (!confirm('Delete your account for good? This cannot be undone.')) return null;
    await withStepUp(() => api('DELETE', '/auth/account', { currentPassword: password }));
    location.assign('/sign-in?deleted');
    return null;
  });
  return html`
    <form class="gh-card" aria-labelledby="delete-title" onSubmit=${submit} novalidate>
      <h2 id="delete-title">Delete account</h2>
      <p>Your account, its sessions, passkeys and second factor are removed at once.</p>
      <${Status} error=${action.error} ok=${action.ok} />
      <${Field} id="delete-password" label="Current password" type="password" autocomplete="current-password" value=${password} onValue=${setPassword} />
      <button type="submit" class="gh-danger" disabled=${action.busy}>Delete my account</button>
    </form>
  `;
}

export function Account(): VNode {
  const [user, setUser] = useState<AccountUser | null>(null);
  const action = useAction();
  useEffect(() => {
    void action.run(async () => {
      const me = await client.me();
      if (me === null) location.replace(`/sign-in?next=${encodeURIComponent('/account')}`);
      else setUser(me);
    });
    return client.onChange((now) => {
      if (now === null) location.replace('/sign-in?signedout');
    });
  }, []);
  const signOut = () => action.run(async () => {
    await client.logout();
    location.assign('/sign-in?signedout');
  });
  const signOutAll = () => action.run(async () => {
    await client.logoutAll();
    location.assign('/sign-in?signedout');
  });
  const actions = user
    ? html`<div class="gh-actions">
        <button type="button" class="gh-secondary" onClick=${signOut} disabled=${action.busy}>Sign out</button>
        <button type="button" class="gh-secondary" onClick=${signOutAll} disabled=${action.busy}>Sign out everywhere</button>
      </div>`
    : null;
  return html`
    <${Page} title="Your account" wide actions=${actions}>
      <${Status} error=${action.error} />
      ${user
        ? html`
            <${Profile} user=${user} />
            <${SessionsSection} />
            <${TotpSection} />
            <${PasskeysSection} />
            <${PasswordSection} />
            <${EmailSection} />
            <${EventsSection} />
            <${DeleteSection} />
            <${StepUpDialog} />`
        : html`<p>Loading…</p>`}
    <//>
  `;
}
