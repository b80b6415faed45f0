// Owns the step-up dialog (SPEC §6): when a sensitive change answers 403 reauthentication_required, it asks for the
// password or an authenticator code, calls POST /auth/reauthenticate through the client, and lets the change retry.
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { client, setStepUpPrompt } from './api.js';
import { Field, Status, useAction } from './components.js';

export function StepUpDialog(): VNode {
  const dialog = useRef<HTMLDialogElement>(null);
  const pending = useRef<((proved: boolean) => void) | null>(null);
  const action = useAction();
  const [withCode, setWithCode] = useState(false);
  const [secret, setSecret] = useState('');

  useEffect(() => {
    setStepUpPrompt(() => new Promise<boolean>((resolve) => {
      pending.current = resolve;
      setSecret('');
      action.setError(null);
      dialog.current?.showModal();
    }));
    return () => setStepUpPrompt(null);
  }, []);

  const finish = (proved: boolean) => {
    const resolve = pending.current;
    pending.current = null;
    if (dialog.current?.open) dialog.current.close();
    resolve?.(proved);
  };
  const submit = action.submit(async () => {
    await client.reauthenticate(withCode ? { code: secret.replace(/\s/g, '') } : { password: secret });
    finish(true);
  });
  return html`
    <dialog ref=${dialog} aria-labelledby="step-up-title" onClose=${() => finish(false)}>
      <form onSubmit=${submit} novalidate>
        <h2 id="step-up-title">Confirm it is you</h2>
        <p>This change needs a recent proof of who you are.</p>
        <${Status} error=${action.error} />
        ${withCode
          ? html`<${Field} id="step-up-code" label="Code from your authenticator app (or a recovery code)" inputmode="numeric"
              autocomplete="one-time-code" value=${secret} onValue=${setSecret} />`
          : html`<${Field} id="step-up-password" label="Password" type="password" autocomplete="current-password" value=${secret} onValue=${setSecret} />`}
        <div class="gh-actions">
          <button type="submit" disabled=${action.busy}>Confirm</button>
          <button type="button" class="gh-secondary" onClick=${() => finish(false)}>Cancel</button>
          <button type="button" class="gh-link" onClick=${() => { setWithCode(!withCode); setSecret(''); }}>
            ${withCode ? 'Use my password' : 'Use a code instead'}
          </button>
        </div>
      </form>
    </dialog>
  `;
}
