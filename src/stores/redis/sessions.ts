// Owns the Redis session store. A session is one hash ({s:id}) that expires with the session (u owner, h secret
// hash, c created, a last active, e idle expiry, x absolute expiry, ua, ip, d data bag, pt and pm the proof:
// auth time and space-separated amr); the user's sessions (newest first) and every session by expiry are
// sorted-set indexes, written before the session and cleaned lazily, so an index may name a vanished session
// but a session is never missing from its index (logout-all finds them all). A session stored before pt/pm
// existed reads as proven by password at its creation.

import { decodeAmr, encodeAmr } from '../../core/step-up.js';
import type { JsonObject, SessionRecord, SessionStore } from '../../core/store.js';
import { addToIndex, script, sweep, ttl, type KeyLayout, type RedisClient } from './key-layout.js';

/** Returns the absolute expiry when the session exists (and was touched), else nil. */
const touch = script(`
local x = redis.call('HGET', KEYS[1], 'x')
if not x then return false end
redis.call('HSET', KEYS[1], 'a', ARGV[1], 'e', ARGV[2])
redis.call('PEXPIRE', KEYS[1], math.max(1, math.min(tonumber(ARGV[2]), tonumber(x)) - tonumber(ARGV[1])))
return x
`);

/** ARGV[1] '1' sets the data bag to ARGV[2], '0' clears it; 0 when the session does not exist. */
const setData = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
if ARGV[1] == '1' then redis.call('HSET', KEYS[1], 'd', ARGV[2]) else redis.call('HDEL', KEYS[1], 'd') end
return 1
`);

/** Sets the proof (pt ARGV[1], pm ARGV[2]); 0 when the session does not exist. */
const setProof = script(`
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('HSET', KEYS[1], 'pt', ARGV[1], 'pm', ARGV[2])
return 1
`);

/** Deletes the session; returns its user id, or nil when there was none. */
const remove = script(`
local u = redis.call('HGET', KEYS[1], 'u')
if not u then return false end
redis.call('DEL', KEYS[1])
return u
`);

const expiryOf = (s: Pick<SessionRecord, 'expiresAt' | 'absoluteExpiresAt'>) => Math.min(s.expiresAt, s.absoluteExpiresAt);

function encode(s: SessionRecord): Record<string, string> {
  const fields: Record<string, string> = {
    u: s.userId, h: s.secretHash, c: String(s.createdAt), a: String(s.lastActiveAt),
    e: String(s.expiresAt), x: String(s.absoluteExpiresAt), pt: String(s.authTime), pm: encodeAmr(s.amr),
  };
  if (s.userAgent !== null) fields.ua = s.userAgent;
  if (s.ip !== null) fields.ip = s.ip;
  if (s.data !== null) fields.d = JSON.stringify(s.data);
  return fields;
}

function decode(id: string, f: Record<string, string>): SessionRecord | null {
  if (f.u === undefined || f.h === undefined) return null;
  return {
    id, userId: f.u, secretHash: f.h, createdAt: Number(f.c), lastActiveAt: Number(f.a),
    expiresAt: Number(f.e), absoluteExpiresAt: Number(f.x),
    userAgent: f.ua ?? null, ip: f.ip ?? null, data: f.d === undefined ? null : (JSON.parse(f.d) as JsonObject),
    authTime: Number(f.pt ?? f.c), amr: decodeAmr(f.pm ?? 'pwd'),
  };
}

export function createRedisSessionStore(client: RedisClient, keys: KeyLayout): SessionStore {
  const read = async (id: string) => decode(id, await client.hgetall(keys.session(id)));

  /** The user's sessions as stored (vanished ones dropped from the index on the way). */
  async function ofUser(userId: string): Promise<SessionRecord[]> {
    const index = keys.userSessions(userId);
    const ids = await client.zrevrange(index, 0, -1);
    const sessions = await Promise.all(ids.map(read));
    const gone = ids.filter((_, i) => sessions[i] === null);
    if (gone.length > 0) await client.zrem(index, ...gone);
    return sessions.filter((s): s is SessionRecord => s !== null);
  }

  return {
    async create(s) {
      const key = keys.session(s.id);
      if (await client.exists(key)) throw new Error(`redis store: duplicate session id ${s.id}`);
      await addToIndex(client, keys.userSessions(s.userId), s.createdAt, s.id, ttl(s.absoluteExpiresAt, s.lastActiveAt));
      await client.zadd(keys.sessionsByExpiry, expiryOf(s), s.id);
      await client.multi().hset(key, encode(s)).pexpire(key, ttl(expiryOf(s), s.lastActiveAt)).exec();
    },
    get: read,
    async touch(id, lastActiveAt, expiresAt) {
      const absolute = (await touch(client, keys.session(id), lastActiveAt, expiresAt)) as string | null;
      if (absolute === null) return false;
      await client.zadd(keys.sessionsByExpiry, Math.min(expiresAt, Number(absolute)), id);
      return true;
    },
    async setData(id, data) {
      const args = data === null ? ['0', ''] : ['1', JSON.stringify(data)];
      return (await setData(client, keys.session(id), ...args)) === 1;
    },
    async setProof(id, authTime, amr) {
      return (await setProof(client, keys.session(id), authTime, encodeAmr(amr))) === 1;
    },
    async delete(id) {
      const userId = (await remove(client, keys.session(id))) as string | null;
      if (userId === null) return false;
      await client.zrem(keys.userSessions(userId), id);
      await client.zrem(keys.sessionsByExpiry, id);
      return true;
    },
    async deleteByUser(userId, exceptId) {
      const index = keys.userSessions(userId);
      let deleted = 0;
      for (const id of await client.zrange(index, 0, -1)) {
        if (id === exceptId) continue;
        if ((await remove(client, keys.session(id))) !== null) deleted++;
        await client.zrem(index, id);
        await client.zrem(keys.sessionsByExpiry, id);
      }
      return deleted;
    },
    async listByUser(userId, now) {
      const sessions = await ofUser(userId);
      return sessions.filter((s) => expiryOf(s) > now);
    },
    async countActive(now) {
      return client.zcount(keys.sessionsByExpiry, `(${now}`, '+inf');
    },
    deleteExpired: (now) => sweep(client, keys.sessionsByExpiry, now, keys.session, keys.userSessions),
  };
}
