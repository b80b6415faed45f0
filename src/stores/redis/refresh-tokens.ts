// Owns the Redis refresh-token store. A family is one hash ({f:id}) holding the family (u owner, e idle
// expiry, x absolute expiry, l last use, r revocation, pt and pm the proof: auth time and space-separated amr,
// f the fixed fields as JSON) and each of its tokens (t:<id> fixed fields, s:<id> when spent, n:<id>
// successor), so rotation is one Lua script on one key. A token id finds its family through {t:id}; the user's
// families and every family by expiry are indexes. A family stored before pt/pm existed reads as proven by
// password at its creation.

import { decodeAmr, encodeAmr } from '../../core/step-up.js';
import type { RefreshFamilyRecord, RefreshTokenRecord, RefreshTokenStore, RotateResult } from '../../core/store.js';
import { addToIndex, script, sweep, ttl, type KeyLayout, type RedisClient } from './key-layout.js';

const FAMILY_FIELDS = ['f', 'l', 'e', 'r', 'pt', 'pm'] as const;

/**
 * ARGV: token id, successor id, successor JSON, now, grace ms, new idle expiry. The contract is
 * RefreshTokenStore.rotate: the family check first, then spend a live token, retry within grace to the same
 * successor, anything else revokes the family. Returns {status, family fields…}.
 */
const rotate = script(`
local k, tid, sid = KEYS[1], ARGV[1], ARGV[2]
local now, grace, idle = tonumber(ARGV[4]), tonumber(ARGV[5]), tonumber(ARGV[6])
local v = redis.call('HMGET', k, 'e', 'x', 'r', 't:' .. tid, 's:' .. tid, 'n:' .. tid)
if not v[1] or v[3] or not v[4] or tonumber(v[1]) <= now or tonumber(v[2]) <= now then return {'invalid'} end
local status
if not v[5] then
  redis.call('HSET', k, 's:' .. tid, ARGV[4], 'n:' .. tid, sid, 't:' .. sid, ARGV[3], 'l', ARGV[4], 'e', ARGV[6])
  redis.call('PEXPIRE', k, math.max(1, math.min(idle, tonumber(v[2])) - now))
  status = 'rotated'
elseif now - tonumber(v[5]) <= grace and v[6] == sid then
  status = 'retry'
else
  redis.call('HSET', k, 'r', ARGV[4])
  status = 'reused'
end
local f = redis.call('HMGET', k, 'f', 'l', 'e', 'r', 'pt', 'pm')
return {status, f[1], f[2], f[3], f[4], f[5], f[6]}
`);

/** Sets r (revokedAt) to ARGV[1] when the family exists and is not revoked: 1, else 0. */
const revoke = script(`
local v = redis.call('HMGET', KEYS[1], 'e', 'r')
if not v[1] or v[2] then return 0 end
redis.call('HSET', KEYS[1], 'r', ARGV[1])
return 1
`);

/**
 * Sets the proof (pt ARGV[2], pm ARGV[3]) of a family that exists, is not revoked and has not expired at
 * ARGV[1]: 1, else 0.
 */
const setFamilyProof = script(`
local v = redis.call('HMGET', KEYS[1], 'e', 'x', 'r')
local now = tonumber(ARGV[1])
if not v[1] or v[3] or tonumber(v[1]) <= now or tonumber(v[2]) <= now then return 0 end
redis.call('HSET', KEYS[1], 'pt', ARGV[2], 'pm', ARGV[3])
return 1
`);

type Fixed = Omit<RefreshFamilyRecord, 'lastUsedAt' | 'expiresAt' | 'revokedAt' | 'authTime' | 'amr'>;
type TokenFixed = Pick<RefreshTokenRecord, 'id' | 'familyId' | 'secretHash' | 'createdAt'>;

function decodeFamily([fixed, lastUsedAt, expiresAt, revokedAt, authTime, amr]: (string | null | undefined)[]): RefreshFamilyRecord | null {
  if (!fixed || !lastUsedAt || !expiresAt) return null;
  const f = JSON.parse(fixed) as Fixed;
  return {
    id: f.id, userId: f.userId, mode: f.mode, createdAt: f.createdAt, lastUsedAt: Number(lastUsedAt),
    expiresAt: Number(expiresAt), absoluteExpiresAt: f.absoluteExpiresAt, revokedAt: revokedAt ? Number(revokedAt) : null,
    userAgent: f.userAgent, ip: f.ip, authTime: authTime ? Number(authTime) : f.createdAt, amr: decodeAmr(amr ?? 'pwd'),
  };
}

const tokenJson = (t: RefreshTokenRecord) => JSON.stringify({ id: t.id, familyId: t.familyId, secretHash: t.secretHash, createdAt: t.createdAt } satisfies TokenFixed);
const expiryOf = (f: Pick<RefreshFamilyRecord, 'expiresAt' | 'absoluteExpiresAt'>) => Math.min(f.expiresAt, f.absoluteExpiresAt);

export function createRedisRefreshTokenStore(client: RedisClient, keys: KeyLayout): RefreshTokenStore {
  const readFamily = async (id: string) => decodeFamily(await client.hmget(keys.family(id), ...FAMILY_FIELDS));

  async function ofUser(userId: string): Promise<RefreshFamilyRecord[]> {
    const index = keys.userFamilies(userId);
    const ids = await client.zrevrange(index, 0, -1);
    const families = await Promise.all(ids.map(readFamily));
    const gone = ids.filter((_, i) => families[i] === null);
    if (gone.length > 0) await client.zrem(index, ...gone);
    return families.filter((f): f is RefreshFamilyRecord => f !== null);
  }

  /** Points a token id at its family for as long as the family can live (reuse must stay detectable). */
  const mapToken = (tokenId: string, familyId: string, absoluteExpiresAt: number, now: number) =>
    client.set(keys.tokenFamily(tokenId), familyId, 'PX', ttl(absoluteExpiresAt, now));

  return {
    async createFamily(f, token) {
      if (token.familyId !== f.id) throw new Error('redis store: the first token must belong to the new family');
      const key = keys.family(f.id);
      if (await client.exists(key)) throw new Error(`redis store: duplicate family id ${f.id}`);
      const fixed: Fixed = { id: f.id, userId: f.userId, mode: f.mode, createdAt: f.createdAt, absoluteExpiresAt: f.absoluteExpiresAt, userAgent: f.userAgent, ip: f.ip };
      const fields: Record<string, string> = {
        f: JSON.stringify(fixed), u: f.userId, l: String(f.lastUsedAt), e: String(f.expiresAt), x: String(f.absoluteExpiresAt),
        pt: String(f.authTime), pm: encodeAmr(f.amr),
        [`t:${token.id}`]: tokenJson(token),
      };
      if (f.revokedAt !== null) fields.r = String(f.revokedAt);
      if (token.usedAt !== null) fields[`s:${token.id}`] = String(token.usedAt);
      if (token.successorId !== null) fields[`n:${token.id}`] = token.successorId;
      await addToIndex(client, keys.userFamilies(f.userId), f.createdAt, f.id, ttl(f.absoluteExpiresAt, f.lastUsedAt));
      await client.zadd(keys.familiesByExpiry, expiryOf(f), f.id);
      await mapToken(token.id, f.id, f.absoluteExpiresAt, f.lastUsedAt);
      await client.multi().hset(key, fields).pexpire(key, ttl(expiryOf(f), f.lastUsedAt)).exec();
    },
    async getToken(id) {
      const familyId = await client.get(keys.tokenFamily(id));
      if (familyId === null) return null;
      const [fixed, usedAt, successorId] = await client.hmget(keys.family(familyId), `t:${id}`, `s:${id}`, `n:${id}`);
      if (!fixed) return null;
      const t = JSON.parse(fixed) as TokenFixed;
      return { ...t, usedAt: usedAt ? Number(usedAt) : null, successorId: successorId ?? null };
    },
    getFamily: readFamily,
    async rotate(tokenId, successor, now, graceMs, familyExpiresAt): Promise<RotateResult> {
      const familyId = await client.get(keys.tokenFamily(tokenId));
      if (familyId === null) return { status: 'invalid' };
      if (successor.familyId !== familyId) throw new Error('redis store: the successor must belong to the same family');
      const family = await readFamily(familyId);
      if (!family) return { status: 'invalid' };
      // Mapped first: a successor that the script then does not store is an id that finds nothing.
      await mapToken(successor.id, familyId, family.absoluteExpiresAt, now);
      const [status, ...fields] = (await rotate(
        client, keys.family(familyId), tokenId, successor.id, tokenJson(successor), now, graceMs, familyExpiresAt,
      )) as [RotateResult['status'], ...(string | null)[]];
      if (status === 'invalid') return { status };
      const updated = decodeFamily(fields);
      if (!updated) return { status: 'invalid' };
      if (status === 'rotated') await client.zadd(keys.familiesByExpiry, expiryOf(updated), familyId);
      return { status, family: updated };
    },
    async listFamiliesByUser(userId, now) {
      return (await ofUser(userId)).filter((f) => f.revokedAt === null && expiryOf(f) > now);
    },
    async revokeFamily(id, now) {
      return (await revoke(client, keys.family(id), now)) === 1;
    },
    async setFamilyProof(id, authTime, amr, now) {
      return (await setFamilyProof(client, keys.family(id), now, authTime, encodeAmr(amr))) === 1;
    },
    async revokeFamiliesByUser(userId, now, exceptId) {
      const revoked: string[] = [];
      for (const id of await client.zrange(keys.userFamilies(userId), 0, -1)) {
        if (id !== exceptId && (await revoke(client, keys.family(id), now)) === 1) revoked.push(id);
      }
      return revoked;
    },
    deleteExpired: (now) => sweep(client, keys.familiesByExpiry, now, keys.family, keys.userFamilies),
  };
}
