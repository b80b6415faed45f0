// Owns access tokens: issuing EdDSA JWTs through jose (kid in the header, typ at+jwt, claims iss, aud, sub,
// iat, exp, jti, sid, roles), and verifying them against every known JWT attack (RFC 8725): pinned
// algorithms, keys only from our own ring by kid, header-supplied keys refused, size bound, strict claim types.
import { SignJWT, decodeProtectedHeader, jwtVerify, errors as joseErrors, type JWTPayload } from 'jose';
import type { KeyObject, webcrypto } from 'node:crypto';

type CryptoKey = webcrypto.CryptoKey;
import { CLOCK_TOLERANCE_SECONDS } from './keys.js';

export const ACCESS_TOKEN_TYPE = 'at+jwt';
export const ALGORITHMS = ['EdDSA'];
/** Far above any token we issue; refuses huge tokens before any parsing. */
export const MAX_TOKEN_LENGTH = 4096;
const FORBIDDEN_HEADERS = ['jwk', 'jku', 'x5u', 'x5c', 'x5t', 'x5t#S256'];

export interface AccessClaims {
  iss: string;
  aud: string;
  sub: string;
  iat: number;
  exp: number;
  jti: string;
  sid: string;
  roles: string[];
}

export interface IssueOptions {
  issuer: string;
  audience: string;
  subject: string;
  sessionId: string;
  roles: readonly string[];
  jti: string;
  /** Epoch ms. */
  now: number;
  ttlSeconds: number;
  key: { kid: string; privateKey: KeyObject };
}

export async function issueAccessToken(options: IssueOptions): Promise<{ token: string; claims: AccessClaims }> {
  const iat = Math.floor(options.now / 1000);
  const claims: AccessClaims = {
    iss: options.issuer,
    aud: options.audience,
    sub: options.subject,
    iat,
    exp: iat + options.ttlSeconds,
    jti: options.jti,
    sid: options.sessionId,
    roles: [...options.roles],
  };
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.key.kid, typ: ACCESS_TOKEN_TYPE })
    .sign(options.key.privateKey);
  return { token, claims };
}

export interface VerifyOptions {
  issuer: string;
  audience: string;
  /** Epoch ms. */
  now: number;
  /** The longest lifetime a genuine token can have, in seconds. */
  maxTtlSeconds: number;
  /** Our key for this kid, given the token's iat in ms; null (or a throw) when unknown or no longer trusted. */
  keyFor(kid: string, issuedAtMs: number): KeyObject | CryptoKey | null | Promise<KeyObject | CryptoKey | null>;
}

/** The token's claims when it is genuine and current; null for anything else (never throws for bad input). */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<AccessClaims | null> {
  if (token.length > MAX_TOKEN_LENGTH || !/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/.test(token)) return null;
  try {
    const header = decodeProtectedHeader(token);
    if (FORBIDDEN_HEADERS.some((name) => name in header) || typeof header.kid !== 'string') return null;
    const { payload } = await jwtVerify(
      token,
      async (protectedHeader, jws) => {
        const iat = readIat(jws.payload);
        const key = typeof protectedHeader.kid === 'string' && iat !== null ? await options.keyFor(protectedHeader.kid, iat * 1000) : null;
        if (!key) throw new joseErrors.JWKSNoMatchingKey();
        return key;
      },
      {
        algorithms: ALGORITHMS,
        issuer: options.issuer,
        audience: options.audience,
        typ: ACCESS_TOKEN_TYPE,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        currentDate: new Date(options.now),
        requiredClaims: ['iss', 'aud', 'sub', 'iat', 'exp', 'jti', 'sid'],
      },
    );
    return checkClaims(payload, options);
  } catch {
    return null;
  }
}

function readIat(payload: string | Uint8Array): number | null {
  try {
    const text = typeof payload === 'string' ? Buffer.from(payload, 'base64url').toString('utf8') : Buffer.from(payload).toString('utf8');
    const iat = (JSON.parse(text) as { iat?: unknown }).iat;
    return typeof iat === 'number' && Number.isFinite(iat) ? iat : null;
  } catch {
    return null;
  }
}

/** Types and bounds jose does not check: no claim confusion, no token from the future, no over-long life. */
function checkClaims(payload: JWTPayload, options: VerifyOptions): AccessClaims | null {
  const { sub, jti, sid, iat, exp, roles, iss, aud } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '' || typeof sid !== 'string' || sid === '') {
    return null;
  }
  if (!Number.isInteger(iat) || !Number.isInteger(exp)) return null;
  const issuedAt = iat as number;
  const expiresAt = exp as number;
  if (issuedAt * 1000 > options.now + CLOCK_TOLERANCE_SECONDS * 1000) return null;
  if (expiresAt - issuedAt > options.maxTtlSeconds || expiresAt <= issuedAt) return null;
  if (!Array.isArray(roles) || !roles.every((r) => typeof r === 'string')) return null;
  if (aud !== options.audience || iss !== options.issuer) return null;
  return { iss, aud, sub, iat: issuedAt, exp: expiresAt, jti, sid, roles: roles };
}
