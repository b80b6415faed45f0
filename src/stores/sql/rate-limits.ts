// Owns the SQL rate-limit store (SQLite and PostgreSQL): one fixed window per key, counted by one atomic upsert.

import { sql } from 'kysely';
import type { Kysely } from 'kysely';
import type { RateLimitStore } from '../../core/store.js';
import type { Database } from './schema.js';

export function createRateLimitStore(db: Kysely<Database>): RateLimitStore {
  return {
    async hit(key, windowMs, now) {
      // One atomic upsert: a fresh key or an ended window starts at 1; otherwise count + 1 in the same
      // window. In ON CONFLICT DO UPDATE both CASEs read the row's old values.
      const resetAt = now + windowMs;
      const row = await db
        .insertInto('rate_limits')
        .values({ key, count: 1, reset_at: resetAt })
        .onConflict((oc) =>
          oc.column('key').doUpdateSet({
            count: sql<number>`CASE WHEN rate_limits.reset_at <= ${now} THEN 1 ELSE rate_limits.count + 1 END`,
            reset_at: sql<number>`CASE WHEN rate_limits.reset_at <= ${now} THEN ${resetAt} ELSE rate_limits.reset_at END`,
          }),
        )
        .returning(['count', 'reset_at'])
        .executeTakeFirstOrThrow();
      return { count: row.count, resetAt: row.reset_at };
    },
    async reset(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
    async deleteExpired(now) {
      const result = await db.deleteFrom('rate_limits').where('reset_at', '<=', now).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
