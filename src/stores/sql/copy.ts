// Owns copying one SQL database into another (SQLite → PostgreSQL for `gatehouse migrate`): every table the
// server keeps, in foreign-key order, in batches, in one transaction on the target, skipping rows the target
// already has, so a copy is all-or-nothing and can be run again. Rate-limit windows are not copied. Users come
// with every column the schema has (email_verified, disabled_at); mailed one-time tokens are copied too, so a
// link sent before the move still works after it (expired ones go with the next upkeep). Sessions and refresh
// families keep their proof (auth_time, amr), so a move neither renews nor voids a step-up. Passkeys come with their
// signature counters, so a cloned authenticator's stale counter is refused after the move as before it. TOTP
// factors (secrets still sealed: the target needs the same GATEHOUSE_SECRET) keep their last used step, so a code
// used before the move is not accepted again after it; recovery codes and waiting logins come too.

import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

/** Parents before children; each with the column(s) that identify a row. */
const TABLES = [
  ['users', ['id']],
  ['signing_keys', ['kid']],
  ['sessions', ['id']],
  ['refresh_families', ['id']],
  ['refresh_tokens', ['id']],
  ['revocations', ['kind', 'subject']],
  ['audit_events', ['id']],
  ['one_time_tokens', ['id']],
  ['passkeys', ['id']],
  ['mfa_totp', ['user_id']],
  ['mfa_recovery_codes', ['user_id', 'code_hash']],
  ['mfa_challenges', ['id']],
] as const satisfies readonly (readonly [keyof Database, readonly string[]])[];

export type CopiedTable = (typeof TABLES)[number][0];
const BATCH = 500;

/** Copies every row the target lacks; returns how many rows were read per table. */
export async function copyDatabase(from: Kysely<Database>, to: Kysely<Database>): Promise<Record<CopiedTable, number>> {
  // Kysely cannot type a query over a table chosen at run time; each row goes back into the table it came from.
  type Untyped = Kysely<Record<string, Record<string, unknown>>>;
  const source = from as unknown as Untyped;
  const counts = {} as Record<CopiedTable, number>;
  await (to as unknown as Untyped).transaction().execute(async (trx) => {
    for (const [table, key] of TABLES) {
      counts[table] = 0;
      for (let offset = 0; ; offset += BATCH) {
        let query = source.selectFrom(table).selectAll();
        for (const column of key) query = query.orderBy(`${table}.${column}`); // one call per column: orderBy([…]) is deprecated
        const rows = await query.limit(BATCH).offset(offset).execute();
        if (rows.length === 0) break;
        await trx
          .insertInto(table)
          .values(rows)
          .onConflict((oc) => oc.columns([...key]).doNothing())
          .execute();
        counts[table] += rows.length;
        if (rows.length < BATCH) break;
      }
    }
  });
  return counts;
}
