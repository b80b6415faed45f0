// Owns the SQLite store's read cache: the session and user rows behind every session check, kept in memory so
// a check does not touch the file (two reads were half the cost of a session request, issue 6). It is correct
// for this process by construction: the reads are synchronous better-sqlite3 calls (nothing can change the
// file between reading a row and caching it), and every session or user write through the store drops what
// it may have changed once it has committed. Another process's commit (the CLI granting a role, a second
// server on the same file) is seen through PRAGMA data_version, which changes only then; it is read at most
// once per CHANGE_CHECK_INTERVAL_MS of the injected clock (the store's `clock` option), and a change drops
// everything.
import type { Selectable } from 'kysely';
import type { SessionStore, UserStore } from '../../core/store.js';
import { toSession } from '../sql/sessions.js';
import { toUser } from '../sql/users.js';
import type { SessionsTable, UsersTable } from '../sql/schema.js';
import type { SqliteConnection } from './index.js';

/** How stale a row changed by another process may be, at most. */
export const CHANGE_CHECK_INTERVAL_MS = 100;
/** Rows kept per table; past it the table's cache starts afresh. */
const MAX_ROWS = 10_000;

export function withReadCache(
  database: SqliteConnection,
  stores: { sessions: SessionStore; users: UserStore },
  clock: () => number,
): { sessions: SessionStore; users: UserStore } {
  const sessionById = database.prepare('select * from sessions where id = ?');
  const userById = database.prepare('select * from users where id = ?');
  const dataVersionStatement = database.prepare('pragma data_version');
  const dataVersion = () => (dataVersionStatement.get() as { data_version: number }).data_version;
  const sessionRows = new Map<string, Selectable<SessionsTable>>();
  const userRows = new Map<string, Selectable<UsersTable>>();
  let version = dataVersion();
  let checkedAt = clock();

  /** The row, from memory unless another process may have changed the file since. Rows are mapped afresh
   * for each caller (the engine updates the session record it gets). */
  function read<Row>(rows: Map<string, Row>, statement: ReturnType<SqliteConnection['prepare']>, id: string): Row | undefined {
    const now = clock();
    if (now - checkedAt >= CHANGE_CHECK_INTERVAL_MS || now < checkedAt) {
      checkedAt = now;
      const current = dataVersion();
      if (current !== version) {
        version = current;
        sessionRows.clear();
        userRows.clear();
      }
    }
    let row = rows.get(id);
    if (row === undefined) {
      row = statement.get(id) as Row | undefined; // the row of the table `rows` caches
      if (row === undefined) return undefined; // absence is not cached: a session or user may appear
      if (rows.size >= MAX_ROWS) rows.clear();
      rows.set(id, row);
    }
    return row;
  }

  /** Runs a write, then forgets what it may have changed (after the commit: a read in between re-caches). */
  async function thenForget<T>(write: Promise<T>, forget: () => void): Promise<T> {
    try {
      return await write;
    } finally {
      forget();
    }
  }

  const { sessions, users } = stores;
  const forgetSession = (id: string) => () => sessionRows.delete(id);
  const forgetAllSessions = () => sessionRows.clear();
  const forgetUser = (id: string) => () => userRows.delete(id);

  // Every method spelled out (no spread): a write added to the store interface must be listed here to compile.
  return {
    sessions: {
      async get(id) {
        const row = read(sessionRows, sessionById, id);
        return row ? toSession(row) : null;
      },
      create: (session) => thenForget(sessions.create(session), forgetSession(session.id)),
      touch: (id, lastActiveAt, expiresAt) => thenForget(sessions.touch(id, lastActiveAt, expiresAt), forgetSession(id)),
      setData: (id, data) => thenForget(sessions.setData(id, data), forgetSession(id)),
      setProof: (id, authTime, amr) => thenForget(sessions.setProof(id, authTime, amr), forgetSession(id)),
      delete: (id) => thenForget(sessions.delete(id), forgetSession(id)),
      deleteByUser: (userId, exceptId) => thenForget(sessions.deleteByUser(userId, exceptId), forgetAllSessions),
      deleteExpired: (now) => thenForget(sessions.deleteExpired(now), forgetAllSessions),
      listByUser: (userId, now) => sessions.listByUser(userId, now),
      countActive: (now) => sessions.countActive(now),
    },
    users: {
      async findById(id) {
        const row = read(userRows, userById, id);
        return row ? toUser(row) : null;
      },
      findByEmail: (email) => users.findByEmail(email),
      create: (user) => thenForget(users.create(user), forgetUser(user.id)),
      updatePassword: (id, passwordHash, now) => thenForget(users.updatePassword(id, passwordHash, now), forgetUser(id)),
      replacePasswordHash: (id, expected, passwordHash, now) =>
        thenForget(users.replacePasswordHash(id, expected, passwordHash, now), forgetUser(id)),
      setRoles: (id, roles, now) => thenForget(users.setRoles(id, roles, now), forgetUser(id)),
      setEmailVerified: (id, verified, now) => thenForget(users.setEmailVerified(id, verified, now), forgetUser(id)),
      updateEmail: (id, email, verified, now) => thenForget(users.updateEmail(id, email, verified, now), forgetUser(id)),
      setDisabled: (id, disabledAt, now) => thenForget(users.setDisabled(id, disabledAt, now), forgetUser(id)),
      search: (search) => users.search(search),
      // Its sessions go with it (ON DELETE CASCADE).
      delete: (id) => thenForget(users.delete(id), () => {
        forgetUser(id)();
        forgetAllSessions();
      }),
    },
  };
}
