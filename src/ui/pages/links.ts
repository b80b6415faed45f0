// Owns the pages of the mailed links and of asking for one: forgot password, reset password
// (`/reset-password#token=…`), verify email (`/verify-email#token=…`), confirm an email change
// (`/confirm-email#token=…`). The token is read from the fragment, which never reaches a server log or a Referer.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { publicPost } from '../api.js';
import { Field, Page, Status, useAction } from '../components.js';

const MISSING = 'This link is incomplete: open the whole link from the mail, or ask for a new one.';

export function ForgotPassword(): VNode {
  const action = useAction();
  const [email, setEmail] = useState('');
  const submit = action.submit(async () => {
    await publicPost('/auth/password/forgot', { email: email.trim() });
    return `If an account uses ${email.trim()}, we sent it a link to choose a new password. It works for 30 minutes.`;
  });
  return html`
    <${Page} title="Forgot password">
      <form class="gh-card" onSubmit=${submit} novalidate>
        <p>Enter your email and we will send you a link to choose a new password.</p>
        <${Status} error=${action.error} ok=${action.ok} />
        <${Field} id="email" label="Email" type="email" autocomplete="email" value=${email} onValue=${setEmail} />
        <button type="submit" class="gh-block" disabled=${action.busy}>Send the link</button>
      </form>
      <p class="gh-footer"><a href="/sign-in">Back to sign in</a></p>
    <//>
  `;
}

export function ResetPassword(props: { token: string | null }): VNode {
  const action = useAction();
  const [password, setPassword] = useState('');
  const [again, setAgain] = useState('');
  const [done, setDone] = useState(false);
  const submit = action.submit(async () => {
    if (props.token === null) throw new Error(MISSING);
    if (password !== again) throw new Error('The two passwords differ.');
    await publicPost('/auth/password/reset', { token: props.token, newPassword: password });
    setDone(true);
    return 'Your password was changed, and every device signed out.';
  });
  return html`
    <${Page} title="Choose a new password">
      <form class="gh-card" onSubmit=${submit} novalidate>
        <${Status} error=${action.error ?? (props.token === null ? MISSING : null)} ok=${action.ok} />
        ${done
          ? html`<a class="gh-button gh-block" href="/sign-in?reset">Sign in</a>`
          : html`
              <${Field} id="new-password" label="New password" type="password" autocomplete="new-password" value=${password} onValue=${setPassword} />
              <${Field} id="new-password-again" label="New password, again" type="password" autocomplete="new-password" value=${again} onValue=${setAgain} />
              <button type="submit" class="gh-block" disabled=${action.busy || props.token === null}>Change password</button>
            `}
      </form>
    <//>
  `;
}

/** A link that proves an address: redeemed as soon as the page opens. */
function Redeem(props: { title: string; token: string | null; path: string; done: string }): VNode {
  const action = useAction();
  useEffect(() => {
    if (props.token === null) action.setError(MISSING);
    else void action.run(async () => {
      await publicPost(props.path, { token: props.token });
      return props.done;
    });
  }, []);
  return html`
    <${Page} title=${props.title}>
      <div class="gh-card">
        ${action.busy ? html`<p>Checking the link…</p>` : null}
        <${Status} error=${action.error} ok=${action.ok} />
        <a class="gh-button gh-block" href="/account">Go to your account</a>
      </div>
    <//>
  `;
}

export const VerifyEmail = (props: { token: string | null }): VNode =>
  html`<${Redeem} title="Verify your email" token=${props.token} path="/auth/email/verify" done="Your email is verified. Thank you!" />`;

export const ConfirmEmail = (props: { token: string | null }): VNode =>
  html`<${Redeem} title="Confirm your new email" token=${props.token} path="/auth/email/change/confirm" done="Your email address was changed." />`;
