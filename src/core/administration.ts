// Owns what administrators do to other users' accounts (SPEC §7), for the `/admin/` API and the CLI alike:
// finding users, showing one with their sessions and factors, disabling and enabling (a disabled user's
// credentials all stop at once on every instance: every session and family ends the logout-all way, and login
// and refresh refuse while it lasts), deleting, granting and removing roles, revoking sessions, forcing a
// password reset and removing second factors. Each action is audited with the administrator's id (null: the command line). Who may call
// these is the caller's rule (the `admin` role and SPEC §6 step-up, `Gatehouse.requireRecentAuth`, at the HTTP
// layer, http/admin-routes.ts; the command line acts with the database's own authority).
import { requireRole } from './account-changes.js';
import { publicUser, type Accounts, type PublicUser } from './accounts.js';
import type { AdminAuditPage, AdminEventType } from './audit.js';
import { GatehouseError } from './errors.js';
import type { Gatehouse, SessionSummary } from './gatehouse.js';
import { link, mailUnavailable, messages, requireMailer, type MailDeps } from './mail.js';
import type { SecondFactors, TotpFactorSummary } from './mfa.js';
import type { OneTimeTokens } from './one-time-tokens.js';
import type { EngineParts } from './parts.js';
import type { UserRecord } from './store.js';

export const USER_PAGE_DEFAULT = 20;
export const USER_PAGE_MAX = 100;
const QUERY_MAX = 320;

/** Who acts: the administrator's user id (null for the command line) and where the request came from. */
export interface AdminActor {
  adminId: string | null;
  ip: string | null;
  userAgent: string | null;
}

/** A user as an administrator sees it: the public view, plus whether and when the account was disabled. */
export interface AdminUser extends PublicUser {
  /** ISO 8601, or null while enabled. */
  disabledAt: string | null;
  updatedAt: string;
}

/** A passkey as an administrator sees it (never its key). */
export interface PasskeyFactorSummary {
  type: 'passkey';
  /** The credential id (base64url). */
  id: string;
  name: string;
  /** ISO 8601. */
  createdAt: string;
  /** ISO 8601, or null until it signs a login. */
  lastUsedAt: string | null;
}

/** A second factor or passkey as an administrator sees it (never its secret). */
export type AdminFactor = TotpFactorSummary | PasskeyFactorSummary;

export interface AdminUserDetail {
  user: AdminUser;
  /** Web sessions and token families, as the user's own device list shows them. */
  sessions: SessionSummary[];
  /** Second factors on (SPEC §6). */
  factors: AdminFactor[];
}

export interface UserPage {
  /** By email ascending. */
  users: AdminUser[];
  /** Pass as `cursor` for the next page; null when this is the last. */
  next: string | null;
}

export interface Administration {
  /** Users whose email contains `query` (none: all). Throws `invalid_request` for a bad limit or cursor. */
  findUsers(page: { query?: string | undefined; limit?: number | undefined; cursor?: string | null | undefined }): Promise<UserPage>;
  findUserByEmail(email: string): Promise<AdminUser | null>;
  showUser(userId: string): Promise<AdminUserDetail | null>;
  /** Each of these returns false for an unknown user (nothing done, nothing audited). */
  disableUser(actor: AdminActor, userId: string): Promise<boolean>;
  enableUser(actor: AdminActor, userId: string): Promise<boolean>;
  deleteUser(actor: AdminActor, userId: string): Promise<boolean>;
  grantRole(actor: AdminActor, userId: string, role: string): Promise<boolean>;
  revokeRole(actor: AdminActor, userId: string, role: string): Promise<boolean>;
  /** Ends every session and family of the user, access tokens included. */
  revokeSessions(actor: AdminActor, userId: string): Promise<boolean>;
  /** False also when the session or family is not the user's (or has ended). */
  revokeSession(actor: AdminActor, userId: string, sessionId: string): Promise<boolean>;
  /**
   * Ends every session, replaces the password with a random one nobody knows, and mails a reset link. Throws
   * `not_configured` without a mailer (before changing anything), `unavailable` when the mail fails.
   */
  forcePasswordReset(actor: AdminActor, userId: string): Promise<boolean>;
  /**
   * Removes the user's second factors (a lost authenticator): TOTP, its recovery codes, pending logins, and
   * passkeys. The user signs in with the password alone until they set one up again; their sessions stay. False
   * for an unknown user.
   */
  resetMfa(actor: AdminActor, userId: string): Promise<boolean>;
  /** Every user's audit events (or one user's), newest first. */
  listAudit(page: { limit?: number | undefined; cursor?: string | null | undefined; userId?: string | undefined }): Promise<AdminAuditPage>;
}

export function adminUser(user: UserRecord): AdminUser {
  const iso = (ms: number) => new Date(ms).toISOString();
  return { ...publicUser(user), disabledAt: user.disabledAt === null ? null : iso(user.disabledAt), updatedAt: iso(user.updatedAt) };
}

const encodeCursor = (email: string) => Buffer.from(email).toString('base64url');

function decodeCursor(cursor: string): string {
  const email = Buffer.from(cursor, 'base64url').toString('utf8');
  if (email === '' || encodeCursor(email) !== cursor) throw new GatehouseError('invalid_request', 'cursor is not one this server handed out.');
  return email;
}

export function createAdministration(
  parts: EngineParts,
  deps: {
    logoutAll: (userId: string) => Promise<void>;
    devices: Pick<Gatehouse, 'listSessions' | 'revokeSession'>;
    oneTimeTokens: OneTimeTokens;
    mail: MailDeps;
    random: () => string;
    factors: Pick<SecondFactors, 'factors' | 'reset'>;
  },
): Administration {
  const { store, clock, audit, access, config } = parts;
  const accounts: Pick<Accounts, 'requireEmail' | 'setPassword'> = parts.accounts;

  const record = (type: AdminEventType, actor: AdminActor, userId: string, now: number, extra: { sessionId?: string; role?: string; passkeys?: number } = {}) =>
    audit.recordAfter({ type, userId, adminId: actor.adminId, ...extra, ip: actor.ip, userAgent: actor.userAgent }, now);

  return {
    async findUsers({ query = '', limit = USER_PAGE_DEFAULT, cursor = null }) {
      if (!Number.isInteger(limit) || limit < 1 || limit > USER_PAGE_MAX) {
        throw new GatehouseError('invalid_request', `limit must be a whole number from 1 to ${USER_PAGE_MAX}.`);
      }
      if (query.length > QUERY_MAX) throw new GatehouseError('invalid_request', `query must be at most ${QUERY_MAX} characters.`);
      const afterEmail = cursor === null ? null : decodeCursor(cursor);
      // Emails are stored lower-case (core/email.ts); one more than asked says whether there is a next page.
      const found = await store.users.search({ query: query.trim().toLowerCase(), limit: limit + 1, afterEmail });
      const page = found.slice(0, limit);
      const last = page.at(-1);
      return { users: page.map(adminUser), next: found.length > limit && last ? encodeCursor(last.email) : null };
    },

    async findUserByEmail(email) {
      const user = await store.users.findByEmail(accounts.requireEmail(email));
      return user ? adminUser(user) : null;
    },

    async showUser(userId) {
      const user = await store.users.findById(userId);
      if (!user) return null;
      const passkeys = (await store.passkeys.listByUser(user.id)).map((p): PasskeyFactorSummary => ({
        type: 'passkey',
        id: p.id,
        name: p.name,
        createdAt: new Date(p.createdAt).toISOString(),
        lastUsedAt: p.lastUsedAt === null ? null : new Date(p.lastUsedAt).toISOString(),
      }));
      return { user: adminUser(user), sessions: await deps.devices.listSessions(user.id, null), factors: [...(await deps.factors.factors(user.id)), ...passkeys] };
    },

    async disableUser(actor, userId) {
      const user = await store.users.findById(userId);
      if (!user) return false;
      const now = clock();
      // Disabled first, so no login or refresh starts anything new; then everything already out is ended, access
      // tokens included (the per-user cut-off reaches every instance through the revocation bus).
      if (user.disabledAt === null) await store.users.setDisabled(user.id, now, now);
      await deps.logoutAll(user.id);
      await store.oneTimeTokens.deleteByUser(user.id);
      await record('user.disabled', actor, user.id, now);
      return true;
    },

    async enableUser(actor, userId) {
      const user = await store.users.findById(userId);
      if (!user) return false;
      const now = clock();
      if (user.disabledAt !== null) await store.users.setDisabled(user.id, null, now);
      await record('user.enabled', actor, user.id, now);
      return true;
    },

    async deleteUser(actor, userId) {
      const user = await store.users.findById(userId);
      if (!user) return false;
      const now = clock();
      // As a user's own deletion (account-deletion.ts): everything ended first, the row last, so a retry is safe.
      await deps.logoutAll(user.id);
      await store.oneTimeTokens.deleteByUser(user.id);
      await store.mfa.deleteByUser(user.id); // SQL cascades too; other stores may not
      await store.passkeys.deleteByUser(user.id); // as the factors
      await audit.forget(user.id); // the administrator's own address on the event below stays
      await store.users.delete(user.id);
      await record('user.deleted', actor, user.id, now);
      return true;
    },

    async grantRole(actor, userId, role) {
      requireRole(role);
      const user = await store.users.findById(userId);
      if (!user) return false;
      const now = clock();
      if (!user.roles.includes(role)) await store.users.setRoles(user.id, [...user.roles, role], now);
      await record('admin.role_granted', actor, user.id, now, { role });
      return true;
    },

    async revokeRole(actor, userId, role) {
      requireRole(role);
      const user = await store.users.findById(userId);
      if (!user) return false;
      const now = clock();
      if (user.roles.includes(role)) {
        await store.users.setRoles(user.id, user.roles.filter((r) => r !== role), now);
        await access.user(user.id, now); // tokens already issued still claim it (as account-changes.ts)
      }
      await record('admin.role_revoked', actor, user.id, now, { role });
      return true;
    },

    async revokeSessions(actor, userId) {
      const user = await store.users.findById(userId);
      if (!user) return false;
      await deps.logoutAll(user.id);
      await record('admin.sessions_revoked', actor, user.id, clock());
      return true;
    },

    async revokeSession(actor, userId, sessionId) {
      if (!(await deps.devices.revokeSession(userId, sessionId))) return false;
      await record('admin.session_revoked', actor, userId, clock(), { sessionId });
      return true;
    },

    async forcePasswordReset(actor, userId) {
      const mailer = requireMailer(deps.mail); // 501 before anything changes
      const user = await store.users.findById(userId);
      if (!user) return false;
      const now = clock();
      // The old password stops working: a random one nobody knows (hashed like any other), then every login ends.
      await accounts.setPassword(user, deps.random(), now);
      await deps.logoutAll(user.id);
      const { token } = await deps.oneTimeTokens.issue(user.id, 'reset_password', null, config.resetTtlSeconds, now);
      try {
        await mailer.send(messages.reset(user.email, link(deps.mail, 'reset-password', token), Math.round(config.resetTtlSeconds / 60)));
      } catch (error) {
        await store.oneTimeTokens.deleteByUser(user.id, ['reset_password']); // no valid link without its mail
        await record('admin.password_reset_forced', actor, user.id, now);
        throw mailUnavailable(error);
      }
      await record('admin.password_reset_forced', actor, user.id, now);
      return true;
    },

    async resetMfa(actor, userId) {
      const user = await store.users.findById(userId);
      if (!user) return false;
      await deps.factors.reset(user.id);
      // A lost authenticator is often a lost phone: its passkeys go with its TOTP.
      const passkeys = await store.passkeys.deleteByUser(user.id);
      await record('admin.mfa_reset', actor, user.id, clock(), { passkeys });
      return true;
    },

    listAudit: (page) => audit.listAll(page),
  };
}
