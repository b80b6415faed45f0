// Owns the pieces every hosted page is made of: the page frame (its heading takes focus, so a screen reader hears
// where it landed), labelled fields, the status line that announces errors and successes (aria-live), and the
// small hook that runs a form's action with a busy state.
import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from './api.js';

export function Page(props: { title: string; wide?: boolean; children: ComponentChildren; actions?: ComponentChildren }): VNode {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${props.title} · Gatehouse`;
    heading.current?.focus();
  }, [props.title]);
  return html`
    <main class=${props.wide ? 'gh-main gh-wide' : 'gh-main'}>
      <a class="gh-brand" href="/account">Gatehouse</a>
      <div class="gh-header">
        <h1 tabindex="-1" ref=${heading}>${props.title}</h1>
        ${props.actions}
      </div>
      ${props.children}
    </main>
  `;
}

export interface FieldProps {
  id: string;
  label: string;
  value: string;
  onValue: (value: string) => void;
  type?: string;
  autocomplete?: string;
  hint?: string;
  required?: boolean;
  inputmode?: string;
  pattern?: string;
  minlength?: number;
  invalid?: boolean;
}

export function Field(props: FieldProps): VNode {
  const hint = props.hint ? `${props.id}-hint` : undefined;
  return html`
    <div class="gh-field">
      <label for=${props.id}>${props.label}</label>
      ${props.hint ? html`<span class="gh-hint" id=${hint}>${props.hint}</span>` : null}
      <input
        id=${props.id}
        name=${props.id}
        type=${props.type ?? 'text'}
        value=${props.value}
        autocomplete=${props.autocomplete}
        inputmode=${props.inputmode}
        pattern=${props.pattern}
        minlength=${props.minlength}
        required=${props.required ?? true}
        aria-describedby=${hint}
        aria-invalid=${props.invalid ? 'true' : undefined}
        onInput=${(event: Event) => props.onValue((event.currentTarget as HTMLInputElement).value)}
      />
    </div>
  `;
}

/** The status of a form: always in the page (so a change is announced), empty when there is nothing to say. */
export function Status(props: { error: string | null; ok?: string | null }): VNode {
  return html`
    <div class="gh-alert gh-error" role="alert" aria-live="assertive" aria-atomic="true">${props.error ?? ''}</div>
    <div class="gh-alert gh-ok" role="status" aria-live="polite" aria-atomic="true">${props.error ? '' : (props.ok ?? '')}</div>
  `;
}

export interface Action {
  busy: boolean;
  error: string | null;
  ok: string | null;
  setOk(message: string | null): void;
  setError(message: string | null): void;
  /** Runs `task` unless one is running: busy meanwhile, its failure shown as the error. */
  run(task: () => Promise<string | null | void>): Promise<void>;
  /** A form's onSubmit that runs `task`. */
  submit(task: () => Promise<string | null | void>): (event: Event) => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [ok, setOk] = useState<string | null>(null);
  const running = useRef(false);
  const run = async (task: () => Promise<string | null | void>) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    setOk(null);
    try {
      const message = await task();
      if (typeof message === 'string') setOk(message);
    } catch (failure) {
      setError(messageOf(failure));
    } finally {
      running.current = false;
      setBusy(false);
    }
  };
  return {
    busy,
    error,
    ok,
    setOk,
    setError,
    run,
    submit: (task) => (event) => {
      event.preventDefault();
      void run(task);
    },
  };
}

export const when = (date: string | null): string => (date === null ? 'never' : new Date(date).toLocaleString());
