// Owns the sign-in and sign-up pages: email and password, the second-factor step when the account has one (a code
// from the authenticator app, or a recovery code), "sign in with a passkey", and creating an account (which signs
// in and mails a verification link).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useState } from 'preact/hooks';
import { loginWithPasskey, passkeysSupported } from '../../client/passkeys/index.js';
import type { MfaRequired } from '../../client/index.js';
import { api, client, isCode, nextPath } from '../api.js';
import { Field, Page, Status, useAction } from '../components.js';

const go = (path: string) => location.assign(path);

function MfaStep(props: { challenge: MfaRequired; onRestart: () => void }): VNode {
  const action = useAction();
  const [recovery, setRecovery] = useState(false);
  const [code, setCode] = useState('');
  const submit = action.submit(async () => {
    const mfaToken = props.challenge.mfaToken;
    try {
      await client.loginMfa(recovery ? { mfaToken, recoveryCode: code.trim() } : { mfaToken, code: code.replace(/\s/g, '') });
    } catch (error) {
      // The step is over (expired, too many codes): back to the password.
      if (isCode(error, 'invalid_token')) props.onRestart();
      throw error;
    }
    go(nextPath());
  });
  return html`
    <${Page} title="Two-step verification">
      <form class="gh-card" onSubmit=${submit} novalidate>
        <${Status} error=${action.error} ok=${action.ok} />
        ${recovery
          ? html`<${Field} id="recovery-code" label="Recovery code" hint="One of the codes you saved when you turned on two-step verification."
              autocomplete="off" value=${code} onValue=${setCode} invalid=${action.error !== null} />`
          : html`<${Field} id="code" label="Code from your authenticator app" hint="6 digits" inputmode="numeric"
              autocomplete="one-time-code" value=${code} onValue=${setCode} invalid=${action.error !== null} />`}
        <div class="gh-actions">
          <button type="submit" class="gh-block" disabled=${action.busy}>Verify</button>
          <button type="button" class="gh-link" onClick=${() => { setRecovery(!recovery); setCode(''); }}>
            ${recovery ? 'Use a code from the app instead' : 'Use a recovery code instead'}
          </button>
        </div>
      </form>
    <//>
  `;
}

export function SignIn(): VNode {
  const action = useAction();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [challenge, setChallenge] = useState<MfaRequired | null>(null);
  const params = new URLSearchParams(location.search);
  const notice = params.has('reset') ? 'Your password was changed. Sign in with the new one.'
    : params.has('deleted') ? 'Your account was deleted.'
    : params.has('signedout') ? 'You are signed out.' : null;

  if (challenge) return html`<${MfaStep} challenge=${challenge} onRestart=${() => setChallenge(null)} />`;

  const submit = action.submit(async () => {
    const answer = await client.login({ email: email.trim(), password });
    if ('mfaRequired' in answer) setChallenge(answer);
    else go(nextPath());
  });
  const withPasskey = () => action.run(async () => {
    await loginWithPasskey(client);
    go(nextPath());
  });
  return html`
    <${Page} title="Sign in">
      <form class="gh-card" onSubmit=${submit} novalidate>
        <${Status} error=${action.error} ok=${action.ok ?? notice} />
        <${Field} id="email" label="Email" type="email" autocomplete="username webauthn" value=${email} onValue=${setEmail} />
        <${Field} id="password" label="Password" type="password" autocomplete="current-password" value=${password} onValue=${setPassword} />
        <button type="submit" class="gh-block" disabled=${action.busy}>Sign in</button>
        ${passkeysSupported()
          ? html`<div class="gh-or">or</div>
              <button type="button" class="gh-secondary gh-block" onClick=${withPasskey} disabled=${action.busy}>Sign in with a passkey</button>`
          : null}
      </form>
      <p class="gh-footer"><a href="/forgot-password">Forgot your password?</a> · <a href=${`/sign-up${location.search}`}>Create an account</a></p>
    <//>
  `;
}

export function SignUp(): VNode {
  const action = useAction();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const submit = action.submit(async () => {
    const credentials = { email: email.trim(), password };
    await client.register(credentials);
    try {
      await client.login(credentials);
    } catch (error) {
      if (isCode(error, 'email_not_verified')) return 'Your account was created. Verify your email, then sign in.';
      throw error;
    }
    // The verification link; a server without mail still lets the account in.
    await api('POST', '/auth/email/verify/request').catch(() => undefined);
    go('/account?welcome');
    return null;
  });
  return html`
    <${Page} title="Create an account">
      <form class="gh-card" onSubmit=${submit} novalidate>
        <${Status} error=${action.error} ok=${action.ok} />
        <${Field} id="email" label="Email" type="email" autocomplete="email" value=${email} onValue=${setEmail} />
        <${Field} id="new-password" label="Password" type="password" autocomplete="new-password"
          hint="A long passphrase works best: common or easily guessed passwords are refused." value=${password} onValue=${setPassword} />
        <button type="submit" class="gh-block" disabled=${action.busy}>Create account</button>
      </form>
      <p class="gh-footer">Already have an account? <a href=${`/sign-in${location.search}`}>Sign in</a></p>
    <//>
  `;
}
