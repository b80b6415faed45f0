// Owns the account page's view of where the user is signed in (each web session and token family, revocable) and
// their recent security events (GET /auth/audit).
import { html } from 'htm/preact';
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { SessionInfo } from '../../client/index.js';
import { api, client } from '../api.js';
import { Status, useAction, when } from '../components.js';

/** "Firefox on Linux" from a User-Agent: enough to recognise a device, not a full parser. */
export function describeAgent(agent: string | null): string {
  if (!agent) return 'Unknown device';
  const browser = [['Edg/', 'Edge'], ['Firefox/', 'Firefox'], ['Chrome/', 'Chrome'], ['Safari/', 'Safari'], ['curl/', 'curl']]
    .find(([needle]) => agent.includes(needle ?? ''))?.[1];
  const system = [['Android', 'Android'], ['iPhone', 'iPhone'], ['iPad', 'iPad'], ['Windows', 'Windows'], ['Mac OS', 'macOS'], ['Linux', 'Linux']]
    .find(([needle]) => agent.includes(needle ?? ''))?.[1];
  if (!browser) return agent.slice(0, 60);
  return system ? `${browser} on ${system}` : browser;
}

const MODES: Readonly<Record<string, string>> = { session: 'web session', token: 'app (tokens)', hybrid: 'web app' };

export function SessionsSection(): VNode {
  const action = useAction();
  const [sessions, setSessions] = useState<SessionInfo[] | null>(null);
  const load = async () => setSessions(await client.sessions());
  useEffect(() => void action.run(load), []);
  const revoke = (session: SessionInfo) => action.run(async () => {
    await client.revokeSession(session.id);
    await load();
    return `Signed out ${describeAgent(session.userAgent)}.`;
  });
  return html`
    <section class="gh-card" aria-labelledby="sessions-title">
      <h2 id="sessions-title">Where you are signed in</h2>
      <${Status} error=${action.error} ok=${action.ok} />
      <ul class="gh-list" aria-label="Devices and sessions">
        ${(sessions ?? []).map((s) => html`
          <li key=${s.id} data-session=${s.id}>
            <span class="gh-item">
              <strong>${describeAgent(s.userAgent)}${s.current ? html`<span class="gh-badge">This device</span>` : null}</strong>
              <span class="gh-hint">${MODES[s.mode] ?? s.mode}${s.ip ? ` · ${s.ip}` : ''} · active ${when(s.lastActiveAt)}</span>
            </span>
            ${s.current ? null : html`<button type="button" class="gh-secondary" onClick=${() => revoke(s)} disabled=${action.busy}
                aria-label=${`Sign out ${describeAgent(s.userAgent)}, active ${when(s.lastActiveAt)}`}>Sign out</button>`}
          </li>`)}
      </ul>
    </section>
  `;
}

interface AuditEntry {
  id: string;
  type: string;
  at: string;
  ip: string | null;
  userAgent: string | null;
}

const EVENTS: Readonly<Record<string, string>> = {
  'user.registered': 'Account created',
  'login.succeeded': 'Signed in',
  'login.failed': 'Failed sign-in',
  logout: 'Signed out',
  reauthenticated: 'Identity confirmed',
  'login.mfa_required': 'Password accepted, code asked',
  'mfa.code_failed': 'Wrong two-step code',
  'mfa.recovery_code_used': 'Recovery code used',
  'mfa.totp_enabled': 'Two-step verification turned on',
  'mfa.totp_disabled': 'Two-step verification turned off',
  'passkey.registered': 'Passkey added',
  'passkey.deleted': 'Passkey deleted',
  'password.changed': 'Password changed',
  'password.reset': 'Password reset',
  'email.changed': 'Email changed',
  'email.verified': 'Email verified',
  'session.revoked': 'Signed out',
  'sessions.revoked_all': 'Signed out everywhere',
  'session.evicted': 'Oldest session ended',
  'session.expired': 'Session expired',
  'role.granted': 'Role granted',
  'role.revoked': 'Role removed',
  'refresh.reused': 'Reused token refused (family ended)',
};

export function EventsSection(): VNode {
  const action = useAction();
  const [events, setEvents] = useState<AuditEntry[] | null>(null);
  useEffect(() => void action.run(async () => setEvents((await api<{ events: AuditEntry[] }>('GET', '/auth/audit?limit=10')).events)), []);
  return html`
    <section class="gh-card" aria-labelledby="events-title">
      <h2 id="events-title">Recent security events</h2>
      <${Status} error=${action.error} ok=${action.ok} />
      ${events && events.length === 0 ? html`<p>Nothing yet.</p>` : null}
      <ul class="gh-list" aria-label="Security events">
        ${(events ?? []).map((e) => html`
          <li key=${e.id}>
            <span class="gh-item"><strong>${EVENTS[e.type] ?? e.type}</strong>
              <span class="gh-hint">${when(e.at)}${e.ip ? ` · ${e.ip}` : ''}${e.userAgent ? ` · ${describeAgent(e.userAgent)}` : ''}</span></span>
          </li>`)}
      </ul>
    </section>
  `;
}
