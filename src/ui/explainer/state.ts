// Owns the explainer's live state: one pane per mode, each with its own gatehouse/client (its own cookie jar on the
// development server, tokens in memory for token mode), what it holds, and the exchanges it made; and the actions
// the page offers (sign in, call, log out, log out everywhere, revoke a device), after which every other pane is
// asked once more so the page shows what the action did to each.
import { createClient, type FetchLike, type GatehouseClient, type Mode, type SessionInfo, type User } from '../../client/index.js';
import { recordingFetch, type Exchange, type HeldTokens } from './exchange.js';

export const MODES: readonly Mode[] = ['session', 'token', 'hybrid'];

export interface PaneState {
  mode: Mode;
  user: User | null;
  exchanges: Exchange[];
  tokens: HeldTokens | null;
  devices: SessionInfo[] | null;
  busy: boolean;
  note: string | null;
}

export interface Lab {
  panes: Record<Mode, PaneState>;
  account: { email: string; password: string } | null;
  /** After a logout everywhere or a revocation: how long until the token pane's access token was refused. */
  revocation: { by: Mode; action: 'logoutAll' | 'revoke'; refusedAfterMs: Partial<Record<Mode, number>> } | null;
}

const MAX_EXCHANGES = 6;

export function createLab(onChange: (lab: Lab) => void) {
  const fresh = (mode: Mode): PaneState => ({ mode, user: null, exchanges: [], tokens: null, devices: null, busy: false, note: null });
  let lab: Lab = { panes: { session: fresh('session'), token: fresh('token'), hybrid: fresh('hybrid') }, account: null, revocation: null };
  const update = (change: (lab: Lab) => Lab) => {
    lab = change(lab);
    onChange(lab);
  };
  const patch = (mode: Mode, fields: Partial<PaneState>) =>
    update((current) => ({ ...current, panes: { ...current.panes, [mode]: { ...current.panes[mode], ...fields } } }));

  const clients = {} as Record<Mode, GatehouseClient>;
  const fetches = {} as Record<Mode, FetchLike>;
  for (const mode of MODES) {
    const fetch = fetches[mode] = recordingFetch(
      mode,
      (exchange) => patch(mode, { exchanges: [exchange, ...lab.panes[mode].exchanges].slice(0, MAX_EXCHANGES) }),
      (tokens) => patch(mode, { tokens }),
    );
    clients[mode] = createClient({ mode, fetch, channel: null, locks: null, name: `gatehouse-explainer:${mode}` });
    clients[mode].onChange((user) => patch(mode, { user, ...(user ? {} : { tokens: null, devices: null }) }));
  }

  /** Runs a pane's action, showing a failure on the pane rather than throwing. */
  async function act(mode: Mode, action: () => Promise<unknown>): Promise<void> {
    patch(mode, { busy: true, note: null });
    try {
      await action();
      patch(mode, { busy: false });
    } catch (error) {
      patch(mode, { busy: false, note: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Asks every other pane who it is, timing how soon after `started` each signed-in one was refused. */
  async function probeOthers(by: Mode, action: 'logoutAll' | 'revoke', started: number): Promise<void> {
    const refusedAfterMs: Partial<Record<Mode, number>> = {};
    await Promise.all(MODES.filter((mode) => mode !== by && lab.panes[mode].user !== null).map(async (mode) => {
      const user = await clients[mode].me().catch(() => null);
      if (user === null) refusedAfterMs[mode] = Math.round(performance.now() - started);
    }));
    update((current) => ({ ...current, revocation: { by, action, refusedAfterMs } }));
  }

  return {
    get: () => lab,
    async createAccount(): Promise<void> {
      const bytes = crypto.getRandomValues(new Uint8Array(12));
      const tag = Array.from(bytes.slice(0, 4), (b) => b.toString(16).padStart(2, '0')).join('');
      const account = { email: `explainer-${tag}@example.com`, password: `pane-${btoa(String.fromCharCode(...bytes))}` };
      await act('token', () => clients.token.register(account));
      update((current) => ({ ...current, account }));
    },
    signIn: (mode: Mode) => act(mode, async () => {
      if (!lab.account) throw new Error('Create the demo account first.');
      await clients[mode].login(lab.account);
    }),
    call: (mode: Mode) => act(mode, () => clients[mode].me()),
    /** A state-changing request (`POST /auth/token`, a session exchanged for a token): cookie and CSRF token. */
    post: (mode: Mode) => act(mode, () => clients[mode].fetch('/auth/token', { method: 'POST' })),
    /** What a forged cross-site request amounts to: the cookies without the CSRF token (a "log out everywhere"). */
    forge: (mode: Mode) => act(mode, () => fetches[mode]('/auth/logout-all', { method: 'POST' })),
    logout: (mode: Mode) => act(mode, () => clients[mode].logout()),
    logoutAll: (mode: Mode) => act(mode, async () => {
      await clients[mode].logoutAll();
      await probeOthers(mode, 'logoutAll', performance.now());
    }),
    devices: (mode: Mode) => act(mode, async () => patch(mode, { devices: await clients[mode].sessions() })),
    revoke: (mode: Mode, id: string) => act(mode, async () => {
      await clients[mode].revokeSession(id);
      await probeOthers(mode, 'revoke', performance.now());
      patch(mode, { devices: await clients[mode].sessions() });
    }),
  };
}

export type LabActions = ReturnType<typeof createLab>;
