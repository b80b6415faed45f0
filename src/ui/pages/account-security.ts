// Owns the account page's second factors: TOTP (set up with a QR code and a first code, the ten recovery codes shown
// once, turned off) and passkeys (add on this device, list, delete). Every change goes through the step-up retry.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { deletePasskey, listPasskeys, passkeysSupported, registerPasskey, type PasskeyInfo } from '../../client/passkeys/index.js';
import type { TotpSetup } from '../../client/index.js';
import { api, client, withStepUp } from '../api.js';
import { Field, Status, useAction, when } from '../components.js';
import { QrCode } from '../qr.js';

interface MfaStatus {
  totp: boolean;
  recoveryCodesLeft: number;
}

export function TotpSection(): VNode {
  const action = useAction();
  const [status, setStatus] = useState<MfaStatus | null>(null);
  const [setup, setSetup] = useState<TotpSetup | null>(null);
  const [code, setCode] = useState('');
  const [codes, setCodes] = useState<string[] | null>(null);
  const load = () => action.run(async () => setStatus(await api<MfaStatus>('GET', '/auth/mfa')));
  useEffect(() => void load(), []);

  const start = () => action.run(async () => {
    setSetup(await withStepUp(() => client.totp.setup()));
    setCode('');
  });
  const enable = action.submit(async () => {
    const { recoveryCodes } = await withStepUp(() => client.totp.enable(code.replace(/\s/g, '')));
    setSetup(null);
    setCodes(recoveryCodes);
    setStatus({ totp: true, recoveryCodesLeft: recoveryCodes.length });
    return 'Two-step verification is on.';
  });
  const disable = () => action.run(async () => {
    await withStepUp(() => client.totp.disable());
    setStatus({ totp: false, recoveryCodesLeft: 0 });
    return 'Two-step verification is off.';
  });

  let body: VNode | null = null;
  if (codes) {
    body = html`
      <p><strong>Save these recovery codes now.</strong> Each signs you in once if you lose your phone. They are not shown again.</p>
      <ol class="gh-codes" aria-label="Recovery codes">${codes.map((c) => html`<li key=${c}>${c}</li>`)}</ol>
      <button type="button" onClick=${() => setCodes(null)}>I saved them</button>`;
  } else if (setup) {
    body = html`
      <form onSubmit=${enable} novalidate>
        <p>Scan this QR code with your authenticator app, or type the key, then enter the code it shows.</p>
        <${QrCode} text=${setup.otpauthUrl} label="QR code of the authenticator key" />
        <p>Key: <code class="gh-mono" data-testid="totp-secret">${setup.secret}</code></p>
        <${Field} id="totp-code" label="Code from the app" inputmode="numeric" autocomplete="one-time-code" value=${code} onValue=${setCode} />
        <div class="gh-actions">
          <button type="submit" disabled=${action.busy}>Turn on</button>
          <button type="button" class="gh-secondary" onClick=${() => setSetup(null)}>Cancel</button>
        </div>
      </form>`;
  } else if (status) {
    body = status.totp
      ? html`<p>On. Recovery codes left: ${status.recoveryCodesLeft}.</p>
          <button type="button" class="gh-danger" onClick=${disable} disabled=${action.busy}>Turn off two-step verification</button>`
      : html`<p>Off. With it on, signing in also asks for a code from an app on your phone.</p>
          <button type="button" onClick=${start} disabled=${action.busy}>Set up two-step verification</button>`;
  }
  return html`
    <section class="gh-card" aria-labelledby="totp-title">
      <h2 id="totp-title">Two-step verification</h2>
      <${Status} error=${action.error} ok=${action.ok} />
      ${body}
    </section>
  `;
}

export function PasskeysSection(): VNode {
  const action = useAction();
  const [passkeys, setPasskeys] = useState<PasskeyInfo[] | null>(null);
  const [name, setName] = useState('');
  const load = async () => setPasskeys(await listPasskeys(client));
  useEffect(() => void action.run(load), []);

  const add = action.submit(async () => {
    const passkey = await withStepUp(() => registerPasskey(client, name.trim() ? { name: name.trim() } : {}));
    setName('');
    await load();
    return `Passkey “${passkey.name}” added.`;
  });
  const remove = (passkey: PasskeyInfo) => action.run(async () => {
    await withStepUp(() => deletePasskey(client, passkey.id));
    await load();
    return `Passkey “${passkey.name}” deleted.`;
  });
  return html`
    <section class="gh-card" aria-labelledby="passkeys-title">
      <h2 id="passkeys-title">Passkeys</h2>
      <${Status} error=${action.error} ok=${action.ok} />
      ${passkeys && passkeys.length > 0
        ? html`<ul class="gh-list" aria-label="Your passkeys">
            ${passkeys.map((p) => html`
              <li key=${p.id}>
                <span class="gh-item"><strong>${p.name}</strong>
                  <span class="gh-hint">Added ${when(p.createdAt)} · last used ${when(p.lastUsedAt)}${p.backedUp ? ' · synced' : ''}</span></span>
                <button type="button" class="gh-danger" onClick=${() => remove(p)} disabled=${action.busy}
                  aria-label=${`Delete passkey ${p.name}`}>Delete</button>
              </li>`)}
          </ul>`
        : html`<p>No passkeys yet. A passkey signs you in with your fingerprint, face or screen lock, without a password.</p>`}
      ${passkeysSupported()
        ? html`<form onSubmit=${add} novalidate>
            <${Field} id="passkey-name" label="Name for a new passkey" hint="Optional, e.g. “Work laptop”." required=${false} value=${name} onValue=${setName} />
            <button type="submit" disabled=${action.busy}>Add a passkey</button>
          </form>`
        : html`<p class="gh-hint">This browser cannot create passkeys.</p>`}
    </section>
  `;
}
