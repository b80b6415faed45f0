// Owns drawing one pane: what its client holds (cookies and their attributes as the server reported them, what
// `document.cookie` shows; tokens with their decoded claims), its actions, and the exchanges it made with what
// each carried and what the server looked up (the trace).
import { h } from 'preact';
import htm from 'htm';
import type { Mode } from '../../client/index.js';
import { shorten, type Exchange, type SetCookieReport } from './exchange.js';
import { decodeJwt, showClaim } from './jwt.js';
import type { Content } from './content.js';
import type { LabActions, PaneState } from './state.js';

const html = htm.bind(h);

/** The pane's cookies visible to page script: `document.cookie`, this pane's names only. */
function scriptCookies(mode: Mode): string[] {
  return document.cookie
    .split(/;\s*/)
    .map((pair) => pair.split('=')[0] ?? '')
    .filter((name) => name.includes(`${mode}.gh_`) || /^(__Host-)?gh_/.test(name));
}

/** The cookies the last login or refresh set, as the server reported them (never their values). */
function lastSetCookies(exchanges: readonly Exchange[]) {
  return exchanges.find((exchange) => exchange.setCookies.length > 0)?.setCookies ?? [];
}

function Holds({ pane, t }: { pane: PaneState; t: Content['pane'] }) {
  const reported = lastSetCookies(pane.exchanges);
  const cleared = (cookie: SetCookieReport) => cookie.attributes.some((attribute) => /^Max-Age=0$/i.test(attribute));
  const cookies = reported.filter((cookie) => !cleared(cookie));
  const expired = reported.filter(cleared);
  const visible = scriptCookies(pane.mode);
  const decoded = pane.tokens ? decodeJwt(pane.tokens.access) : null;
  return html`<div class="holds" data-testid="holds-${pane.mode}">
    ${pane.mode === 'token'
      ? html`<p>${t.inMemory}</p>
          ${pane.tokens
            ? html`<dl class="kv">
                <dt>${t.accessToken}</dt><dd><code>${shorten(pane.tokens.access, 24)}</code></dd>
                <dt>${t.refreshToken}</dt><dd><code>${pane.tokens.refresh ? shorten(pane.tokens.refresh, 8) : '—'}</code> ${t.opaque}</dd>
              </dl>
              ${decoded && html`<p>${t.decodedHeader} <code>${JSON.stringify(decoded.header)}</code></p>
                <table class="claims" data-testid="claims">
                  <caption>${t.claimsCaption}</caption>
                  <tbody>${Object.entries(decoded.claims).map(([name, value]) => html`<tr><th scope="row">${name}</th><td>${showClaim(name, value)}</td></tr>`)}</tbody>
                </table>`}`
            : html`<p class="muted">${t.nothingYet}</p>`}`
      : html`<p>${t.cookiesSet}</p>
          ${cookies.length > 0
            ? html`<ul class="cookies" data-testid="cookies-${pane.mode}">
                ${cookies.map((cookie) => html`<li><code>${cookie.name}</code> <span class="attrs">${cookie.attributes.join('; ')}</span></li>`)}
              </ul>`
            : html`<p class="muted">${t.noneHeld}</p>`}
          ${expired.length > 0 && html`<p class="muted">${t.cleared} ${expired.map((cookie) => cookie.name).join(', ')}</p>`}`}
    <p>
      <code>document.cookie</code> ${t.scriptSees} <span data-testid="script-cookies-${pane.mode}">${visible.length > 0 ? visible.join(', ') : t.nothing}</span>
      ${pane.mode === 'token' ? t.tokenNoCookie : t.cookieNote}
    </p>
  </div>`;
}

function ExchangeView({ exchange, t }: { exchange: Exchange; t: Content['pane'] }) {
  const ok = exchange.status < 400;
  return html`<li class=${ok ? 'exchange ok' : 'exchange refused'}>
    <p><strong>${exchange.method} ${exchange.path}</strong> → <span class="status">${exchange.status}${exchange.error ? ` ${exchange.error}` : ''}</span></p>
    <p>${t.carried} ${exchange.carried.map((item) => html`<code class="chip">${item}</code> `)}</p>
    <p>${t.lookedUp} <code class="trace">${exchange.trace ?? t.nothingToAuthenticate}</code></p>
  </li>`;
}

export function PaneView({ pane, actions, signedUp, t }: { pane: PaneState; actions: LabActions; signedUp: boolean; t: Content['pane'] }) {
  const { mode, user, busy } = pane;
  const title = t.titles[mode];
  return html`<section class="pane" data-pane=${mode} aria-labelledby="pane-${mode}-title">
    <h3 id="pane-${mode}-title">${title}</h3>
    <p class="muted">${t.summaries[mode]}</p>
    <p class="who" data-testid="who-${mode}" aria-live="polite">${user ? t.signedIn(user.email) : t.signedOut}</p>
    <div class="actions">
      <button type="button" disabled=${busy || !signedUp} onClick=${() => void actions.signIn(mode)}>${t.signIn}</button>
      <button type="button" disabled=${busy} onClick=${() => void actions.call(mode)}>GET /auth/me</button>
      ${mode === 'session' && html`<button type="button" disabled=${busy} onClick=${() => void actions.post(mode)}>POST /auth/token</button>`}
      ${mode !== 'token' && html`<button type="button" disabled=${busy} onClick=${() => void actions.forge(mode)}>${t.forged}</button>`}
      <button type="button" disabled=${busy || !user} onClick=${() => void actions.logout(mode)}>${t.logout}</button>
      <button type="button" disabled=${busy || !user} onClick=${() => void actions.logoutAll(mode)}>${t.logoutAll}</button>
      <button type="button" disabled=${busy || !user} onClick=${() => void actions.devices(mode)}>${t.devices}</button>
    </div>
    ${pane.note && html`<p class="note" role="alert">${pane.note}</p>`}
    ${pane.devices && html`<ul class="devices" aria-label=${t.devicesOf(title)}>
      ${pane.devices.map((device) => html`<li>
        <code>${device.mode}</code> ${device.current ? t.thisPane : html`<button type="button" class="small" onClick=${() => void actions.revoke(mode, device.id)}>${t.revoke(device.mode)}</button>`}
      </li>`)}
    </ul>`}
    <h4>${t.holds}</h4>
    <${Holds} pane=${pane} t=${t} />
    <h4>${t.requests}</h4>
    ${pane.exchanges.length > 0
      ? html`<ol class="exchanges" data-testid="exchanges-${mode}">${pane.exchanges.map((exchange) => html`<${ExchangeView} exchange=${exchange} t=${t} />`)}</ol>`
      : html`<p class="muted">${t.noRequest}</p>`}
  </section>`;
}
