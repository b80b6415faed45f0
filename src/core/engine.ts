// Owns the engine's composition: `createGatehouse` resolves the config and injected dependencies (store,
// clock, randomness, secret, hasher, audit sink), builds the shared services once, loads keys and revocations,
// and assembles the `Gatehouse` (gatehouse.ts) from the modules that own each operation: principals.ts,
// login.ts, mfa.ts and mfa-login.ts, token-refresh.ts, hybrid.ts, logout.ts, devices.ts, account-changes.ts,
// reauthenticate.ts, operations.ts.
import { createAccessRevoker } from './access-revocation.js';
import { createAccountChanges } from './account-changes.js';
import { createAccountDeletion } from './account-deletion.js';
import { createAccountMail } from './account-mail.js';
import { createAdministration } from './administration.js';
import { createAccounts, publicUser } from './accounts.js';
import type { AuditSink } from './audit.js';
import { createAuditTrail } from './audit-trail.js';
import { ConfigError, resolveConfig, type GatehouseConfig, type GatehouseOptions } from './config.js';
import { defaultRandom, type RandomBytes } from './credentials.js';
import { createDevices } from './devices.js';
import { createFamilyCsrf } from './family-csrf.js';
import type { Clock, Gatehouse } from './gatehouse.js';
import { createHybrid } from './hybrid.js';
import { registerInternals } from './internals.js';
import { createKeyRing } from './keys.js';
import { createLogin, createOpenLogin } from './login.js';
import { createLogout } from './logout.js';
import { createSecondFactors } from './mfa.js';
import { createMfaLogin } from './mfa-login.js';
import type { Mailer } from './mail.js';
import { createOneTimeTokens } from './one-time-tokens.js';
import { createOperations } from './operations.js';
import { createPasskeys } from './passkeys.js';
import type { EngineParts } from './parts.js';
import { boundHasher, createArgon2Hasher, loadArgon2, type PasswordHasher } from './password.js';
import { createPrincipals } from './principals.js';
import { createReauthentication } from './reauthenticate.js';
import { createRefreshService } from './refresh.js';
import { createRevocationList, type RevocationList } from './revocation.js';
import { createSecretBox } from './secret-box.js';
import { createSessionService } from './sessions.js';
import type { Store } from './store.js';
import { guardStore } from './store-guard.js';
import { createTokenRefresh } from './token-refresh.js';
import { createTokenService } from './tokens.js';

export interface GatehouseDeps {
  store: Store;
  /** Options, resolved with the defaults; or an already-resolved config. */
  options?: GatehouseOptions;
  config?: Readonly<GatehouseConfig>;
  /**
   * Encrypts signing keys at rest and keys derived secrets. Default: config.secret; without one, only the memory
   * store starts (with an ephemeral secret): any other store is refused, as its keys would not open next time.
   */
  secret?: string;
  /** Epoch milliseconds; read once per operation. Default `Date.now`. */
  clock?: Clock;
  random?: RandomBytes;
  /** Default: argon2id with OWASP parameters. */
  hasher?: PasswordHasher;
  /** Told of every audit event once its row is written (or, for a change already made, failed to be). */
  audit?: AuditSink;
  /** Sends the account-lifecycle mail (SPEC §5); without one, those endpoints answer `501 not_configured`. */
  mailer?: Mailer;
  /** Where links point when `config.publicUrl` is not set (the server passes its own origin). */
  linkBase?: () => string;
  /** A mail sent in the background failed (a password reset): for the log. Default: ignored. */
  onMailError?: (error: unknown) => void;
}

/** How long start-up waits for the revocation bus; past it the instance starts not ready (503, /readyz). */
const BUS_START_TIMEOUT_MS = 3000;
const BUS_POLL_MS = 10;

/** Waits on timers, not on the clock: an injected clock may stand still (tests) or be anything. */
async function waitUntilLive(revocations: RevocationList, timeoutMs: number): Promise<void> {
  let expired = false;
  const timer = setTimeout(() => (expired = true), timeoutMs);
  while (!revocations.live && !expired) await new Promise((resolve) => setTimeout(resolve, BUS_POLL_MS));
  clearTimeout(timer);
}

/**
 * Without a configured secret, only a store that forgets everything at exit may seal its keys with a throwaway
 * one: a durable store would keep keys that no later start can open.
 */
function throwawaySecret(store: Store, random: RandomBytes): string {
  if (!store.ephemeral) {
    throw new ConfigError([
      `secret: the ${store.kind} store keeps the signing keys sealed with the secret, so it needs the same one on every start: ` +
        'pass `secret` (at least 32 random characters, e.g. from GATEHOUSE_SECRET) to createGatehouse or createServer, or set it in the config',
    ]);
  }
  return Buffer.from(random(32)).toString('base64url');
}

function noLinkBase(): never {
  throw new ConfigError(['publicUrl: mailed links need GATEHOUSE_PUBLIC_URL (or `linkBase` passed to createGatehouse)']);
}

export async function createGatehouse(deps: GatehouseDeps): Promise<Gatehouse> {
  const config = deps.config ?? resolveConfig({ options: deps.options ?? {} });
  const store = guardStore(deps.store);
  const clock = deps.clock ?? Date.now;
  const random = deps.random ?? defaultRandom;
  const audit = createAuditTrail({ store: store.audit, sink: deps.audit ?? (() => {}), random, retentionSeconds: config.auditRetentionSeconds });
  const secret = deps.secret ?? config.secret ?? throwawaySecret(deps.store, random);
  const box = createSecretBox(secret);
  if (!deps.hasher) await loadArgon2(); // a missing argon2 package is reported now, not at the first login
  const hasher = boundHasher(deps.hasher ?? createArgon2Hasher(), config.hashConcurrency, config.hashQueueLimit);
  const accounts = await createAccounts({ store, config, hasher, random, audit });
  const keys = await createKeyRing({ store: store.keys, box, config, random });
  // Reconciled with the store every RECONCILE_MS even without a bus: another process (the CLI disabling a user
  // or revoking a role, a second instance on one database) may have written a revocation.
  const revocations = createRevocationList(store.revocations, { ...(store.revocationBus ? { bus: store.revocationBus } : {}), clock });
  // Sessions shared with other instances (a bus) are cached briefly, kept correct by the revocation feed.
  const sessions = createSessionService({ store, config, random, audit, ...(store.revocationBus ? { revocations } : {}) });
  const parts: EngineParts = {
    config,
    store,
    clock,
    audit,
    accounts,
    sessions,
    refreshTokens: createRefreshService({ store, config, random, successorKey: box.subKey('refresh-successor v1') }),
    tokens: createTokenService({ config, ring: keys, revocations, random }),
    keys,
    revocations,
    access: createAccessRevoker(revocations, config),
    familyCsrf: createFamilyCsrf(box.subKey('family-csrf v1')),
  };

  await keys.maintain(clock());
  await revocations.load(clock());
  await waitUntilLive(revocations, BUS_START_TIMEOUT_MS);

  const { principals, members: principalMembers } = createPrincipals(parts);
  const { rotation, members: refreshMembers } = createTokenRefresh(parts);
  const { families, members: hybridMembers } = createHybrid(parts, rotation);
  const logout = createLogout(parts, principals, families);
  const mail = {
    mailer: deps.mailer ?? null,
    linkBase: () => config.publicUrl ?? deps.linkBase?.() ?? noLinkBase(),
    onError: deps.onMailError ?? (() => {}),
  };
  const oneTimeTokens = createOneTimeTokens(store.oneTimeTokens, random);
  const devices = createDevices(parts);
  const openLogin = createOpenLogin(parts);
  // Second factors (mfa.ts) and the login's second step (mfa-login.ts); `factors.verifySecondFactor` checks a code for reauthentication.
  const factors = createSecondFactors(parts, { box, random });
  const mfaLogin = createMfaLogin(parts, { factors, open: openLogin, random });
  const unknowable = () => Buffer.from(random(32)).toString('base64url');
  const accountMail = createAccountMail(parts, oneTimeTokens, mail, logout.logoutAll);
  const gatehouse: Gatehouse = {
    config,
    ...principalMembers,
    ...createLogin(parts, openLogin, mfaLogin, accountMail.sendVerification),
    completeMfaLogin: mfaLogin.complete,
    ...factors.members,
    ...refreshMembers,
    ...hybridMembers,
    ...logout,
    ...accountMail.members,
    ...createAccountDeletion(parts, logout.logoutAll),
    ...devices,
    admin: createAdministration(parts, { logoutAll: logout.logoutAll, devices, oneTimeTokens, mail, random: unknowable, factors }),
    passkeys: createPasskeys(parts, { box, random, openLogin }),
    ...createAccountChanges(parts),
    // Step-up (SPEC §6): `{code}` is checked by the second factors' verifier (TOTP or a recovery code).
    ...createReauthentication(parts, { verifySecondFactor: factors.verifySecondFactor }),
    ...createOperations(parts),
    async getUser(userId) {
      const user = await store.users.findById(userId);
      return user ? publicUser(user) : null;
    },
    setSessionData: (sessionId, data) => sessions.setData(sessionId, data),
    listAuditEvents: (userId, page = {}) => audit.list(userId, page),
  };
  registerInternals(gatehouse, { store, clock, keys, revocations });
  return gatehouse;
}
