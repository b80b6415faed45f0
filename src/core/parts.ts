// Owns what the engine's modules share: the services `createGatehouse` wires once (store, clock, accounts,
// sessions, refresh tokens, access tokens, keys, revocations) and hands to each module. Nothing outside core/
// sees these; the public surface is `Gatehouse` (gatehouse.ts).
import type { AccessRevoker } from './access-revocation.js';
import type { Accounts } from './accounts.js';
import type { AuditTrail } from './audit-trail.js';
import type { GatehouseConfig } from './config.js';
import type { FamilyCsrf } from './family-csrf.js';
import type { Clock } from './gatehouse.js';
import type { KeyRing } from './keys.js';
import type { RefreshService } from './refresh.js';
import type { RevocationList } from './revocation.js';
import type { SessionService } from './sessions.js';
import type { Store } from './store.js';
import type { TokenService } from './tokens.js';

export interface EngineParts {
  config: Readonly<GatehouseConfig>;
  /** The store behind the guard (store-guard.ts): a backend failure is a 503. */
  store: Store;
  /** Read once per operation, at its start; the time is passed down from there. */
  clock: Clock;
  /** Every audit event goes through it: a row in the store, then the embedding app's sink. */
  audit: AuditTrail;
  accounts: Accounts;
  sessions: SessionService;
  refreshTokens: RefreshService;
  tokens: TokenService;
  keys: KeyRing;
  revocations: RevocationList;
  access: AccessRevoker;
  familyCsrf: FamilyCsrf;
}
