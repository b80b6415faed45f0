// Owns passkeys (SPEC §6) apart from signing in with one (passkeys-login.ts): registering one to the signed-in user
// (options, then the authenticator's answer verified by @simplewebauthn/server, loaded on first use), listing and
// deleting the user's own. Registering and deleting are sensitive changes: both need a recent proof (step-up).
// Passkeys are discoverable credentials (resident keys, for usernameless sign-in) with user verification required,
// so that one passkey is two factors (the device and its PIN or biometric) and may stand in for password + code.
import { auditClient } from './audit-trail.js';
import type { RandomBytes } from './credentials.js';
import { GatehouseError } from './errors.js';
import type { LoginResult, Principal } from './gatehouse.js';
import type { LoginMode } from './config.js';
import type { OpenLogin } from './login.js';
import type { EngineParts } from './parts.js';
import { createPasskeyChallenges, CHALLENGE_TTL_MS } from './passkeys-challenges.js';
import { loadWebAuthn } from './passkeys-library.js';
import { createPasskeyLogin } from './passkeys-login.js';
import { relyingParty } from './passkeys-relying-party.js';
import { parseCredentialResponse, TRANSPORTS, type Transport } from './passkeys-response.js';
import type { SecretBox } from './secret-box.js';
import type { SessionContext } from './sessions.js';
import type { JsonObject, PasskeyRecord } from './store.js';
import { requireRecentAuth } from './step-up.js';

/** A user may keep this many passkeys. */
export const MAX_PASSKEYS_PER_USER = 50;
const NAME_MAX = 64;

/** A passkey as its owner sees it (`GET /auth/passkeys`): never its key. */
export interface PasskeySummary {
  /** The credential id (base64url): what `DELETE /auth/passkeys/:id` takes. */
  id: string;
  name: string;
  createdAt: string;
  lastUsedAt: string | null;
  /** `multiDevice`: synced between the user's devices; `singleDevice`: bound to one authenticator. */
  deviceType: 'singleDevice' | 'multiDevice';
  backedUp: boolean;
  transports: string[];
}

/**
 * `requestOrigin` is the origin the request came to as the HTTP layer saw it (the same-origin `Origin` header), or
 * null: it decides the RP id and the expected origin only when GATEHOUSE_PUBLIC_URL is not set.
 */
export interface Passkeys {
  /** WebAuthn creation options (JSON) for the signed-in user. Throws `reauthentication_required`. */
  registrationOptions(principal: Principal, requestOrigin: string | null): Promise<JsonObject>;
  /**
   * Verifies the authenticator's answer to those options and keeps the passkey. Throws `reauthentication_required`,
   * or `invalid_request` (malformed, not verified, challenge spent or expired, already registered, too many).
   */
  register(principal: Principal, input: { response: unknown; name?: unknown }, requestOrigin: string | null, context: SessionContext): Promise<PasskeySummary>;
  /** WebAuthn request options (JSON) for a usernameless sign-in: no user named, any of the site's passkeys. */
  loginOptions(requestOrigin: string | null): Promise<JsonObject>;
  /**
   * Signs in with a passkey's assertion: a full login in `mode`, as a password login opens it (no second-factor
   * step: the passkey verified its user). Throws `invalid_credentials`, `email_not_verified`, `rate_limited`.
   */
  login(response: unknown, mode: LoginMode, requestOrigin: string | null, context: SessionContext): Promise<LoginResult>;
  /** The user's passkeys, oldest first. */
  list(userId: string): Promise<PasskeySummary[]>;
  /** Deletes one of the principal's own passkeys. Throws `reauthentication_required`, `not_found`. */
  delete(principal: Principal, id: string, context: SessionContext): Promise<void>;
}

export function summary(passkey: PasskeyRecord): PasskeySummary {
  return {
    id: passkey.id,
    name: passkey.name,
    createdAt: new Date(passkey.createdAt).toISOString(),
    lastUsedAt: passkey.lastUsedAt === null ? null : new Date(passkey.lastUsedAt).toISOString(),
    deviceType: passkey.deviceType,
    backedUp: passkey.backedUp,
    transports: [...passkey.transports],
  };
}

function passkeyName(value: unknown): string {
  if (value === undefined || value === null) return 'Passkey';
  if (typeof value !== 'string') throw new GatehouseError('invalid_request', 'name must be a string.');
  const name = value.normalize('NFC').trim();
  // eslint-disable-next-line no-control-regex
  if (name === '' || [...name].length > NAME_MAX || /[\u0000-\u001f\u007f]/.test(name)) {
    throw new GatehouseError('invalid_request', `name must be 1 to ${NAME_MAX} characters, without control characters.`);
  }
  return name;
}

const notVerified = (cause?: unknown) =>
  new GatehouseError('invalid_request', 'The passkey could not be registered: ask for new options and try again.', cause === undefined ? {} : { cause });

export function createPasskeys(parts: EngineParts, deps: { box: SecretBox; random: RandomBytes; openLogin: OpenLogin }): Passkeys {
  const { config, store, clock, audit } = parts;
  const challenges = createPasskeyChallenges(deps.box, store.rateLimits, deps.random);

  async function signedInUser(principal: Principal) {
    const user = await store.users.findById(principal.userId);
    if (!user) throw new GatehouseError('unauthenticated', 'Not signed in, or the session has ended.');
    return user;
  }

  return {
    async registrationOptions(principal, requestOrigin) {
      const now = clock();
      requireRecentAuth(config, principal, now);
      const rp = relyingParty(config, requestOrigin);
      const user = await signedInUser(principal);
      const existing = await store.passkeys.listByUser(user.id);
      const { generateRegistrationOptions } = await loadWebAuthn();
      const options = await generateRegistrationOptions({
        rpName: rp.name,
        rpID: rp.id,
        userName: user.email,
        userID: new TextEncoder().encode(user.id),
        challenge: challenges.issue('register', user.id, now),
        timeout: CHALLENGE_TTL_MS,
        attestationType: 'none',
        excludeCredentials: existing.map((p) => ({ id: p.id, transports: p.transports.filter((t): t is Transport => TRANSPORTS.includes(t as Transport)) })),
        authenticatorSelection: { residentKey: 'required', requireResidentKey: true, userVerification: 'required' },
      });
      return options as unknown as JsonObject;
    },

    async register(principal, input, requestOrigin, context) {
      const now = clock();
      requireRecentAuth(config, principal, now);
      const rp = relyingParty(config, requestOrigin);
      const name = passkeyName(input.name);
      const response = parseCredentialResponse(input.response, 'attestationObject');
      if (!(await challenges.redeem(response.challenge, 'register', principal.userId, now))) throw notVerified();
      const user = await signedInUser(principal);
      if ((await store.passkeys.listByUser(user.id)).length >= MAX_PASSKEYS_PER_USER) {
        throw new GatehouseError('invalid_request', `An account may have at most ${MAX_PASSKEYS_PER_USER} passkeys: delete one first.`);
      }
      const { verifyRegistrationResponse } = await loadWebAuthn();
      let info;
      try {
        const verified = await verifyRegistrationResponse({
          response: response.json as unknown as Parameters<typeof verifyRegistrationResponse>[0]['response'],
          expectedChallenge: response.challenge,
          expectedOrigin: rp.origins,
          expectedRPID: rp.id,
          requireUserVerification: true,
        });
        if (!verified.verified) throw notVerified();
        info = verified.registrationInfo;
      } catch (error) {
        throw error instanceof GatehouseError ? error : notVerified(error);
      }
      const passkey: PasskeyRecord = {
        id: info.credential.id,
        userId: user.id,
        publicKey: Buffer.from(info.credential.publicKey).toString('base64url'),
        counter: info.credential.counter,
        transports: response.transports,
        deviceType: info.credentialDeviceType,
        backedUp: info.credentialBackedUp,
        name,
        createdAt: now,
        lastUsedAt: null,
      };
      if (!(await store.passkeys.create(passkey))) {
        throw new GatehouseError('invalid_request', 'This passkey is registered already.');
      }
      await audit.recordAfter({ type: 'passkey.registered', userId: user.id, passkeyId: passkey.id, sessionId: principal.sessionId, ...auditClient(context) }, now);
      return summary(passkey);
    },

    ...createPasskeyLogin(parts, challenges, deps.openLogin),

    async list(userId) {
      return (await store.passkeys.listByUser(userId)).map(summary);
    },

    async delete(principal, id, context) {
      const now = clock();
      requireRecentAuth(config, principal, now);
      // Someone else's passkey is "not found", never "forbidden": its existence is not disclosed.
      if (!(await store.passkeys.delete(principal.userId, id))) throw new GatehouseError('not_found', 'No such passkey.');
      await audit.recordAfter({ type: 'passkey.deleted', userId: principal.userId, passkeyId: id, sessionId: principal.sessionId, ...auditClient(context) }, now);
    },
  };
}
