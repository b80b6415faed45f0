// Owns signing in with a passkey (SPEC §6): the usernameless options (no user named: the authenticator offers the
// site's discoverable credentials), then the assertion verified — challenge (sealed, single use), origin, RP id,
// user verification and signature by @simplewebauthn/server — and the signature counter checked by the store's
// atomic recordUse, after the signature, so that only a genuine assertion with a stale counter is audited as a
// possibly cloned authenticator and two concurrent uses of one counter value cannot both pass. A success is a full
// login in the mode asked for, through openLogin, with the proof {authTime: now, amr: ['hwk']}; a disabled user and
// the verified-email rule are refused as a password login refuses them. Every refusal is one generic 401.
import { auditClient } from './audit-trail.js';
import { addressSubject } from './client-address.js';
import type { LoginMode } from './config.js';
import { GatehouseError } from './errors.js';
import type { OpenLogin } from './login.js';
import { requireMode } from './login.js';
import type { EngineParts } from './parts.js';
import type { Passkeys } from './passkeys.js';
import type { PasskeyChallenges } from './passkeys-challenges.js';
import { CHALLENGE_TTL_MS } from './passkeys-challenges.js';
import { loadWebAuthn } from './passkeys-library.js';
import { relyingParty } from './passkeys-relying-party.js';
import { parseCredentialResponse, TRANSPORTS, type Transport } from './passkeys-response.js';
import { consumeAttempt, type RateLimitRule } from './rate-limit.js';
import type { SessionContext } from './sessions.js';
import type { JsonObject } from './store.js';

const REFUSED = 'The passkey was not accepted.';

export function createPasskeyLogin(parts: EngineParts, challenges: PasskeyChallenges, openLogin: OpenLogin): Pick<Passkeys, 'loginOptions' | 'login'> {
  const { config, store, clock, audit } = parts;
  // The bucket password logins and registrations count in: every sign-in attempt of an address.
  const ipRule: RateLimitRule = { name: 'auth-ip', limit: config.loginIpLimit, windowMs: config.rateLimitWindowSeconds * 1000 };

  async function refuse(reason: 'passkey_rejected' | 'possible_cloned_passkey' | 'account_disabled', userId: string | null, context: SessionContext, now: number, cause?: unknown): Promise<never> {
    await audit.recordOrFail({ type: 'login.failed', reason, userId, ...auditClient(context) }, now);
    throw new GatehouseError('invalid_credentials', REFUSED, cause === undefined ? {} : { cause });
  }

  async function limited(context: SessionContext, now: number): Promise<void> {
    try {
      await consumeAttempt(store.rateLimits, ipRule, addressSubject(context.ip, config.rateLimitIpv6Prefix), now);
    } catch (error) {
      if (error instanceof GatehouseError && error.code === 'rate_limited') {
        await audit.recordOrFail({ type: 'login.failed', reason: 'rate_limited', userId: null, ...auditClient(context) }, now);
      }
      throw error;
    }
  }

  return {
    async loginOptions(requestOrigin) {
      const now = clock();
      const rp = relyingParty(config, requestOrigin);
      const { generateAuthenticationOptions } = await loadWebAuthn();
      const options = await generateAuthenticationOptions({
        rpID: rp.id,
        challenge: challenges.issue('login', null, now),
        timeout: CHALLENGE_TTL_MS,
        userVerification: 'required',
      });
      return options as unknown as JsonObject;
    },

    async login(value, mode: LoginMode, requestOrigin, context) {
      requireMode(config, mode);
      const now = clock();
      const rp = relyingParty(config, requestOrigin);
      const response = parseCredentialResponse(value, 'signature');
      await limited(context, now);
      const passkey = await store.passkeys.findById(response.id);
      if (!passkey) return refuse('passkey_rejected', null, context, now);
      if (!(await challenges.redeem(response.challenge, 'login', null, now))) return refuse('passkey_rejected', passkey.userId, context, now);
      // The user handle a discoverable credential returns is the id its options named (passkeys.ts): it must agree.
      if (response.userHandle !== null && Buffer.from(response.userHandle, 'base64url').toString('utf8') !== passkey.userId) {
        return refuse('passkey_rejected', passkey.userId, context, now);
      }
      const { verifyAuthenticationResponse } = await loadWebAuthn();
      let info;
      try {
        const verified = await verifyAuthenticationResponse({
          response: response.json as unknown as Parameters<typeof verifyAuthenticationResponse>[0]['response'],
          expectedChallenge: response.challenge,
          expectedOrigin: rp.origins,
          expectedRPID: rp.id,
          // Counter 0: the library's own counter check is skipped; recordUse below makes it, atomically.
          credential: {
            id: passkey.id,
            publicKey: new Uint8Array(Buffer.from(passkey.publicKey, 'base64url')),
            counter: 0,
            transports: passkey.transports.filter((t): t is Transport => TRANSPORTS.includes(t as Transport)),
          },
          requireUserVerification: true,
        });
        if (!verified.verified) return await refuse('passkey_rejected', passkey.userId, context, now);
        info = verified.authenticationInfo;
      } catch (error) {
        if (error instanceof GatehouseError) throw error;
        return refuse('passkey_rejected', passkey.userId, context, now, error);
      }
      if (!(await store.passkeys.recordUse(passkey.id, info.newCounter, info.credentialBackedUp, now))) {
        return refuse('possible_cloned_passkey', passkey.userId, context, now);
      }
      const user = await store.users.findById(passkey.userId);
      if (!user) return refuse('passkey_rejected', null, context, now);
      // Only after the signature, and the same answer as any refusal: nobody learns that the account is disabled.
      if (user.disabledAt !== null) return refuse('account_disabled', user.id, context, now);
      if (config.requireVerifiedEmail && !user.emailVerified) {
        throw new GatehouseError('email_not_verified', 'Confirm your email address first: follow the link we sent you.');
      }
      return openLogin(user, mode, context, { authTime: now, amr: ['hwk'] }, now);
    },
  };
}
