// Owns the explainer page: the demo account, the three panes side by side, and the seeds' comparisons (the
// request-flow table, the pros and cons, the three questions, the hybrids), each claim beside the live behaviour
// of this server that shows it, and where Gatehouse removes a classic trade-off. The text is in content.ts.
import { h } from 'preact';
import htm from 'htm';
import type { Mode } from '../../client/index.js';
import type { Content } from './content.js';
import { PaneView } from './pane-view.js';
import { MODES, type Lab, type LabActions } from './state.js';

const html = htm.bind(h);

/** Live evidence for a row of the request-flow table, from what the pane did last. */
function evidence(lab: Lab, mode: Mode, row: string, t: Content['live']): string {
  const pane = lab.panes[mode];
  /** The newest answered (not refused) exchange whose path passes `test`. */
  const last = (test: (path: string) => boolean) => pane.exchanges.find((exchange) => exchange.status < 400 && test(exchange.path));
  const login = last((path) => path === '/auth/login');
  switch (row) {
    case 'login':
      if (!login) return t.signInToSee;
      return mode === 'token'
        ? `${login.status}: ${t.tokenLogin}`
        : `${login.status}: Set-Cookie ${login.setCookies.filter((c) => !c.attributes.some((a) => /^Max-Age=0$/i.test(a))).map((c) => c.name).join(', ')}`;
    case 'storage':
      if (!pane.user) return t.signInToSee;
      return mode === 'token' ? t.memory : t.httpOnly;
    case 'requests': {
      const call = last((path) => !/^\/auth\/(login|register)$/.test(path));
      return call ? call.carried.join(' + ') : t.callToSee;
    }
    case 'check': {
      const call = pane.exchanges.find((exchange) => exchange.status < 400 && exchange.trace !== null);
      return call?.trace ?? t.callToSee;
    }
    case 'logout': {
      const out = last((path) => path.startsWith('/auth/logout'));
      if (!out) return t.logoutToSee;
      const cleared = out.setCookies.map((c) => c.name).join(', ');
      return `${out.method} ${out.path} → ${out.status}${cleared ? `; ${t.cookiesCleared} ${cleared}` : `; ${t.tokensDropped}`}`;
    }
    default:
      return '';
  }
}

function FlowTable({ lab, c }: { lab: Lab; c: Content }) {
  const { flow } = c;
  // Scrolls sideways on a phone: focusable, so that a keyboard can scroll it too.
  return html`<div class="scroll" tabindex="0" role="region" aria-label=${flow.caption}><table class="compare" data-testid="flow-table">
    <caption>${flow.caption}</caption>
    <thead><tr><th scope="col">${flow.step}</th>${MODES.map((mode) => html`<th scope="col">${c.pane.titles[mode]}</th>`)}</tr></thead>
    <tbody>${flow.rows.map((row) => html`<tr>
      <th scope="row">${row.label}</th>
      ${MODES.map((mode) => html`<td><p>${row.claims[mode]}</p><p class="live"><span class="live-tag">${c.live.tag}</span> ${evidence(lab, mode, row.id, c.live)}</p></td>`)}
    </tr>`)}</tbody>
  </table></div>`;
}

function Revocation({ lab, c }: { lab: Lab; c: Content }) {
  const { revocation } = lab;
  const t = c.live;
  if (!revocation) return html`<p class="live" data-testid="revocation">${c.gatehouse.revocationIdle}</p>`;
  const entries = Object.entries(revocation.refusedAfterMs);
  const action = revocation.action === 'logoutAll' ? t.loggedOutEverywhere : t.revokedDevice;
  return html`<p class="live" data-testid="revocation"><span class="live-tag">${t.tag}</span> ${t.did(c.pane.titles[revocation.by], action)}
    ${entries.length > 0 ? entries.map(([mode, ms]) => t.refused(c.pane.titles[mode as Mode], ms)).join('') : t.noOther}</p>`;
}

export function PageView({ lab, actions, c }: { lab: Lab; actions: LabActions; c: Content }) {
  return html`<div class="explainer">
    <header><p class="lang"><a href=${c.otherLanguage.href} lang=${c.otherLanguage.lang} hreflang=${c.otherLanguage.lang}>${c.otherLanguage.label}</a></p><h1>${c.title}</h1><p class="lead">${c.lead}</p><p class="muted">${c.credit}</p></header>
    <main>
      <section aria-labelledby="try-title">
        <h2 id="try-title">${c.tryTitle}</h2>
        <p>${c.tryText}</p>
        <p class="muted">${c.jarsNote}</p>
        <p>
          <button type="button" onClick=${() => void actions.createAccount()} disabled=${lab.account !== null}>${c.createAccount}</button>
          <span data-testid="account" aria-live="polite">${lab.account ? ` ${c.demoAccount} ${lab.account.email}` : ''}</span>
        </p>
        <div class="panes">${MODES.map((mode) => html`<${PaneView} pane=${lab.panes[mode]} actions=${actions} signedUp=${lab.account !== null} t=${c.pane} />`)}</div>
      </section>
      <section aria-labelledby="flow-title"><h2 id="flow-title">${c.flow.title}</h2><p>${c.flow.intro}</p><${FlowTable} lab=${lab} c=${c} /></section>
      <section aria-labelledby="pros-title">
        <h2 id="pros-title">${c.pros.title}</h2>
        <div class="cards">${c.pros.items.map((item) => html`<article class="card">
          <h3>${item.title}</h3><p>${item.claim}</p><p class="live"><span class="live-tag">${c.live.see}</span> ${item.live}</p>
        </article>`)}</div>
      </section>
      <section aria-labelledby="gatehouse-title">
        <h2 id="gatehouse-title">${c.gatehouse.title}</h2>
        ${c.gatehouse.items.map((item) => html`<article class="card"><h3>${item.title}</h3><p>${item.text}</p></article>`)}
        <${Revocation} lab=${lab} c=${c} />
      </section>
      <section aria-labelledby="questions-title">
        <h2 id="questions-title">${c.questions.title}</h2>
        <ol class="questions">${c.questions.items.map((item) => html`<li><p><strong>${item.question}</strong></p><p>${item.answer}</p><p class="live"><span class="live-tag">${c.live.here}</span> ${item.gatehouse}</p></li>`)}</ol>
      </section>
      <section aria-labelledby="hybrids-title">
        <h2 id="hybrids-title">${c.hybrids.title}</h2>
        <ul>${c.hybrids.items.map((item) => html`<li><p><strong>${item.title}</strong> ${item.text}</p></li>`)}</ul>
      </section>
    </main>
    <footer><p class="muted">${c.footer}</p></footer>
  </div>`;
}
