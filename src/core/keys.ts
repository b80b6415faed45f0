// Owns the signing-key ring: Ed25519 keys generated at first start, stored encrypted, published in the JWKS
// before they sign, rotated on a schedule or on command, and kept published after retirement until the
// last token they signed has expired. The store is the source of truth; the ring is a cache of it.
import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import type { GatehouseConfig } from './config.js';
import type { RandomBytes } from './credentials.js';
import type { SecretBox } from './secret-box.js';
import type { JsonObject, KeyStore, SigningKeyRecord } from './store.js';

/** Tolerance for clocks that disagree, in verification and in key lifetimes. */
export const CLOCK_TOLERANCE_SECONDS = 5;

export interface PublicJwk extends JsonObject {
  kty: string;
  crv: string;
  x: string;
  kid: string;
  alg: string;
  use: string;
}

export interface KeyRing {
  /** Re-reads the store (keys made by another process or instance appear here). */
  reload(): Promise<void>;
  /** Creates the first key, schedules the next rotation when due, retires and deletes old keys. */
  maintain(now: number): Promise<void>;
  /** Adds a key that is published now and signs from `now + keyPublishLeadSeconds`. */
  rotate(now: number): Promise<SigningKeyRecord>;
  /** The key that signs at `now`. */
  signingKey(now: number): { kid: string; privateKey: KeyObject };
  /** The public key for `kid` if tokens it signed at `issuedAt` (ms) may still be accepted at `now`; else null. */
  verificationKey(kid: string, issuedAt: number, now: number): KeyObject | null;
  /** Public keys only: every key published at `now`. */
  jwks(now: number): { keys: PublicJwk[] };
  /** Records as stored (private keys stay encrypted), for the CLI. */
  list(): readonly SigningKeyRecord[];
}

interface LoadedKey {
  record: SigningKeyRecord;
  publicKey: KeyObject;
  privateKey: KeyObject | null;
}

export async function createKeyRing(deps: {
  store: KeyStore;
  box: SecretBox;
  config: Readonly<GatehouseConfig>;
  random: RandomBytes;
}): Promise<KeyRing> {
  const { store, box, config, random } = deps;
  const maxTokenLifetimeMs = (config.accessTtlSeconds + CLOCK_TOLERANCE_SECONDS) * 1000;
  let keys: LoadedKey[] = [];

  function load(record: SigningKeyRecord): LoadedKey {
    let privateKey: KeyObject | null = null;
    if (record.retiredAt === null) {
      try {
        const der = box.open(record.privateKeyEncrypted, record.kid);
        privateKey = createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
      } catch (error) {
        throw new Error(
          `Cannot decrypt signing key ${record.kid}: GATEHOUSE_SECRET is not the secret the keys were stored with.`,
          { cause: error },
        );
      }
    }
    return { record, publicKey: createPublicKey({ key: record.publicJwk, format: 'jwk' }), privateKey };
  }

  /** When the key stops signing: the activation of the next key that activated after it, if any. */
  function supersededAt(key: LoadedKey, now: number): number | null {
    let at: number | null = null;
    for (const other of keys) {
      const a = other.record.activatesAt;
      if (a > key.record.activatesAt && a <= now && (at === null || a < at)) at = a;
    }
    return key.record.retiredAt ?? at;
  }

  function isPublished(key: LoadedKey, now: number): boolean {
    const retiredAt = supersededAt(key, now);
    return retiredAt === null || now < retiredAt + maxTokenLifetimeMs;
  }

  async function create(now: number, activatesAt: number): Promise<SigningKeyRecord> {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const kid = Buffer.from(random(12)).toString('base64url');
    const record: SigningKeyRecord = {
      kid,
      alg: 'EdDSA',
      publicJwk: publicKey.export({ format: 'jwk' }) as JsonObject,
      privateKeyEncrypted: box.seal(privateKey.export({ format: 'der', type: 'pkcs8' }), kid),
      createdAt: now,
      activatesAt,
      retiredAt: null,
      expiresAt: null,
    };
    await store.insert(record);
    keys.push({ record, publicKey, privateKey });
    return record;
  }

  function current(now: number): LoadedKey | undefined {
    let best: LoadedKey | undefined;
    for (const key of keys) {
      if (key.record.activatesAt <= now && key.privateKey && (!best || key.record.activatesAt > best.record.activatesAt)) {
        best = key;
      }
    }
    return best;
  }

  const ring: KeyRing = {
    async reload() {
      const known = new Map(keys.map((k) => [k.record.kid, k]));
      keys = (await store.list()).map((record) => {
        const existing = known.get(record.kid);
        return existing && existing.record.retiredAt === record.retiredAt ? { ...existing, record } : load(record);
      });
    },

    async maintain(now) {
      await ring.reload();
      const active = current(now);
      if (!active) {
        await create(now, now);
        return;
      }
      for (const key of keys) {
        const retiredAt = supersededAt(key, now);
        if (key.record.retiredAt === null && retiredAt !== null) {
          const expiresAt = retiredAt + maxTokenLifetimeMs;
          await store.retire(key.record.kid, retiredAt, expiresAt);
          key.record = { ...key.record, retiredAt, expiresAt };
          key.privateKey = null;
        }
      }
      if (await store.deleteExpired(now)) keys = keys.filter((k) => k.record.expiresAt === null || k.record.expiresAt > now);
      const pending = keys.some((k) => k.record.activatesAt > now);
      const dueAt = active.record.activatesAt + config.keyRotationIntervalSeconds * 1000;
      if (!pending && now + config.keyPublishLeadSeconds * 1000 >= dueAt) {
        await create(now, Math.max(dueAt, now + config.keyPublishLeadSeconds * 1000));
      }
    },

    rotate: (now) => create(now, now + config.keyPublishLeadSeconds * 1000),

    signingKey(now) {
      const key = current(now);
      if (!key?.privateKey) throw new Error('No signing key is active; the key ring was not maintained.');
      return { kid: key.record.kid, privateKey: key.privateKey };
    },

    verificationKey(kid, issuedAt, now) {
      const key = keys.find((k) => k.record.kid === kid);
      if (!key || !isPublished(key, now)) return null;
      const retiredAt = supersededAt(key, now);
      // A retired key signs nothing: a token it "issued" after retirement means the key leaked.
      if (retiredAt !== null && issuedAt > retiredAt + CLOCK_TOLERANCE_SECONDS * 1000) return null;
      return key.publicKey;
    },

    jwks(now) {
      return {
        keys: keys
          .filter((k) => isPublished(k, now))
          .map((k) => ({ ...(k.record.publicJwk as { kty: string; crv: string; x: string }), kid: k.record.kid, alg: 'EdDSA', use: 'sig' })),
      };
    },

    list: () => keys.map((k) => k.record),
  };
  await ring.reload();
  return ring;
}
