// Owns the audit trail: every audit event (audit.ts) kept as a row in the store, then handed to the sink, in
// the order a request needs — a login's row before the credential leaves (no row, no login: 503), the row of
// a change already made after it (a failed write never undoes the change or fails its request) — with ids
// that sort within one millisecond; a user's own events paged newest first behind an opaque cursor; retention.
import type { AdminAuditPage, AuditEntry, AuditEvent, AuditOutcome, AuditPage, AuditSink } from './audit.js';
import type { RandomBytes } from './credentials.js';
import { GatehouseError } from './errors.js';
import type { SessionContext } from './sessions.js';
import type { AuditPosition, AuditQuery, AuditRecord, AuditStore, JsonObject } from './store.js';

export const AUDIT_PAGE_DEFAULT = 20;
export const AUDIT_PAGE_MAX = 100;
/** As sessions keep it: enough for any real browser's, and a row stays small. */
const USER_AGENT_MAX = 512;
const CURSOR_FORM = /^(\d{1,16})\.([A-Za-z0-9_-]{1,128})$/;
const STORED: AuditOutcome = { stored: true };

export interface AuditTrail {
  /**
   * For an event a request's answer rests on (a login granted or refused): the row is written first, then the
   * sink is told. A failed write throws (503: the store is down, fail closed) and the sink hears nothing.
   */
  recordOrFail(event: AuditEvent, now: number): Promise<void>;
  /**
   * For an event about a change already made (a logout, a revocation, a password change, a registration): a
   * failed write neither undoes the change nor fails the request; the sink is told, with the failure.
   */
  recordAfter(event: AuditEvent, now: number): Promise<void>;
  /** The user's events, newest first. Throws `invalid_request` for a limit outside 1..100 or a bad cursor. */
  list(userId: string, page: { limit?: number | undefined; cursor?: string | null | undefined }): Promise<AuditPage>;
  /** Every user's events (or one user's), newest first, each with its user: for administrators. Throws as `list`. */
  listAll(page: { limit?: number | undefined; cursor?: string | null | undefined; userId?: string | undefined }): Promise<AdminAuditPage>;
  /** Deletes the rows older than the retention at `now`; returns how many. */
  prune(now: number): Promise<number>;
  /** A deleted account: its rows keep the user id and lose where they came from (ip, user agent). */
  forget(userId: string): Promise<number>;
}

/**
 * Ids that sort in the order they were made within one millisecond of `at` (the store orders by `at`, then
 * id): 128 random bits (the top one clear, leaving room to count) at each new millisecond, plus one for each
 * further id of the same or an earlier one. Instances never collide; only their order within a millisecond
 * is arbitrary.
 */
function auditIds(random: RandomBytes): (at: number) => string {
  let lastAt = -Infinity;
  let last = 0n;
  return (at) => {
    if (at > lastAt) {
      lastAt = at;
      const bytes = Uint8Array.from(random(16));
      bytes[0] = (bytes[0] ?? 0) & 0x7f;
      last = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
    } else {
      last += 1n;
    }
    return last.toString(16).padStart(32, '0');
  };
}

/** The row of an event: the fields every row has in columns, the rest (mode, reason, count, role) as details. */
function toRecord(event: AuditEvent, id: string, at: number): AuditRecord {
  const details: Record<string, unknown> = { ...event };
  const take = (name: string): string | null => {
    const value = details[name];
    delete details[name];
    return typeof value === 'string' ? value : null;
  };
  const type = take('type') ?? 'unknown';
  const userId = take('userId');
  const sessionId = take('sessionId');
  const ip = take('ip');
  const userAgent = take('userAgent')?.slice(0, USER_AGENT_MAX) ?? null;
  return { id, at, type, userId, sessionId, ip, userAgent, details: details as JsonObject };
}

const toEntry = (record: AuditRecord): AuditEntry => ({
  id: record.id,
  type: record.type,
  at: new Date(record.at).toISOString(),
  ip: record.ip,
  userAgent: record.userAgent,
  sessionId: record.sessionId,
  details: record.details,
});

const encodeCursor = ({ at, id }: AuditPosition): string => Buffer.from(`${at}.${id}`).toString('base64url');

function decodeCursor(cursor: string): AuditPosition {
  const text = Buffer.from(cursor, 'base64url').toString('latin1');
  const match = CURSOR_FORM.exec(text);
  // Re-encoding must give the cursor back: Node's decoder skips what is not base64url rather than refusing it.
  if (!match || encodeCursor({ at: Number(match[1]), id: match[2] ?? '' }) !== cursor) {
    throw new GatehouseError('invalid_request', 'cursor is not one this server handed out.');
  }
  return { at: Number(match[1]), id: match[2] ?? '' };
}

/** Where a request came from, as the events of a login, a registration or a password change carry it. */
export const auditClient = (context: SessionContext) => ({ ip: context.ip, userAgent: context.userAgent });

/** One page of records: the limit checked, the cursor decoded, and the cursor of the next page if there is one. */
async function pageOf(
  { limit = AUDIT_PAGE_DEFAULT, cursor = null }: { limit?: number | undefined; cursor?: string | null | undefined },
  read: (query: AuditQuery) => Promise<AuditRecord[]>,
): Promise<{ records: AuditRecord[]; next: string | null }> {
  if (!Number.isInteger(limit) || limit < 1 || limit > AUDIT_PAGE_MAX) {
    throw new GatehouseError('invalid_request', `limit must be a whole number from 1 to ${AUDIT_PAGE_MAX}.`);
  }
  const after = cursor === null ? null : decodeCursor(cursor);
  // One more than asked: whether there is a next page, without a second query.
  const records = await read({ limit: limit + 1, after });
  const page = records.slice(0, limit);
  const last = page.at(-1);
  return { records: page, next: records.length > limit && last ? encodeCursor(last) : null };
}

export function createAuditTrail(deps: { store: AuditStore; sink: AuditSink; random: RandomBytes; retentionSeconds: number }): AuditTrail {
  const { store, sink } = deps;
  const nextId = auditIds(deps.random);
  const row = (event: AuditEvent, now: number) => toRecord(event, nextId(now), now);

  return {
    async recordOrFail(event, now) {
      await store.append(row(event, now));
      sink(event, STORED);
    },

    async recordAfter(event, now) {
      let outcome = STORED;
      try {
        await store.append(row(event, now));
      } catch (error) {
        outcome = { stored: false, error };
      }
      sink(event, outcome);
    },

    async list(userId, page) {
      const { records, next } = await pageOf(page, (query) => store.listByUser(userId, query));
      return { events: records.map(toEntry), next };
    },

    async listAll({ userId, ...page }) {
      const { records, next } = await pageOf(page, (query) => (userId === undefined ? store.listAll(query) : store.listByUser(userId, query)));
      return { events: records.map((record) => ({ ...toEntry(record), userId: record.userId })), next };
    },

    prune: (now) => store.deleteOlderThan(now - deps.retentionSeconds * 1000),
    forget: (userId) => store.forgetUser(userId),
  };
}
