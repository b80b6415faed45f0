// Owns access tokens: issuing EdDSA JWTs through jose (kid in the header, typ at+jwt, claims iss, aud, sub,
// iat, exp, jti, sid, roles, and the login's proof as auth_time and amr), and verifying them on node:crypto against every known JWT attack (RFC 8725):
// pinned algorithm, keys only from our own ring by kid, header-supplied keys refused, size bound, strict claim
// types. Verification accepts exactly what jose's jwtVerify with the same rules accepts (a differential test
// keeps it so); it exists because jose 6 verifies through WebCrypto, markedly slower than node:crypto (issue 6).
import { SignJWT } from 'jose';
import { KeyObject, verify as verifySignature, webcrypto } from 'node:crypto';
import { TextDecoder } from 'node:util';
import { CLOCK_TOLERANCE_SECONDS } from './keys.js';

type CryptoKey = webcrypto.CryptoKey;

export const ACCESS_TOKEN_TYPE = 'at+jwt';
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
  /** When the user last proved who they are (seconds, as OIDC's `auth_time`). Absent from tokens issued before step-up existed. */
  auth_time?: number;
  /** How they proved it (RFC 8176: `pwd`, `otp`, `hwk`). Absent from tokens issued before step-up existed. */
  amr?: string[];
}

export interface IssueOptions {
  issuer: string;
  audience: string;
  subject: string;
  sessionId: string;
  roles: readonly string[];
  /** The session's or family's proof: `authTime` in epoch ms (the claim is in seconds, rounded down). */
  proof: { authTime: number; amr: readonly string[] };
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
    auth_time: Math.floor(options.proof.authTime / 1000),
    amr: [...options.proof.amr],
  };
  const token = await new SignJWT({ ...claims })
    .setProtectedHeader({ alg: 'EdDSA', kid: options.key.kid, typ: ACCESS_TOKEN_TYPE })
    .sign(options.key.privateKey);
  return { token, claims };
}

export type VerificationKey = KeyObject | CryptoKey;

/** What a genuine token must say, whoever verifies it. */
export interface TokenRules {
  issuer: string;
  audience: string;
  /** The longest lifetime a genuine token can have, in seconds. */
  maxTtlSeconds: number;
}

export interface VerifyOptions extends TokenRules {
  /** Epoch ms. */
  now: number;
  /** Our key for this kid, given the token's iat in ms; null (or a throw) when unknown or no longer trusted. */
  keyFor(kid: string, issuedAtMs: number): MaybePromise<VerificationKey | null>;
}

/** A verified token: its claims, and what it takes to recheck them later without the signature. */
export interface VerifiedToken {
  claims: AccessClaims;
  nbf: number | undefined;
  kid: string;
  /** The very key object keyFor returned; a cache reuses the verdict only while keyFor returns it again. */
  key: VerificationKey;
}

/** The token's claims when it is genuine and current; null for anything else (never throws for bad input). */
export async function verifyAccessToken(token: string, options: VerifyOptions): Promise<AccessClaims | null> {
  return (await verifyAccessTokenDetailed(token, options))?.claims ?? null;
}

/** verifyAccessToken, also saying which key verified (for verified-token-cache.ts). Synchronous when keyFor is:
 * no promise on the hot path but the caller's own. */
export function verifyAccessTokenDetailed(token: string, options: VerifyOptions): MaybePromise<VerifiedToken | null> {
  const parsed = parseAccessToken(token, options);
  if (!parsed || !isCurrent(parsed, options.now)) return null;
  let key: MaybePromise<VerificationKey | null>;
  try {
    key = options.keyFor(parsed.kid, parsed.claims.iat * 1000);
  } catch {
    return null;
  }
  return isPromise(key) ? key.then((found) => checkSignature(token, parsed, found), () => null) : checkSignature(token, parsed, key);
}

export type MaybePromise<T> = T | Promise<T>;

export function isPromise<T>(value: MaybePromise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function checkSignature(token: string, parsed: ParsedToken, key: VerificationKey | null): MaybePromise<VerifiedToken | null> {
  try {
    if (!key) return null;
    const signed = Buffer.from(token.slice(0, token.lastIndexOf('.')), 'latin1');
    const verified: VerifiedToken = { claims: parsed.claims, nbf: parsed.nbf, kid: parsed.kid, key };
    if (!(key instanceof KeyObject) && !key.extractable) {
      // A non-extractable CryptoKey cannot become a KeyObject without DEP0204 (a runtime deprecation since
      // Node 24, an error later): verified through WebCrypto, as jose does, so asynchronous.
      if (!usableCryptoKey(key)) return null;
      return webcrypto.subtle.verify('Ed25519', key, parsed.signature, signed).then((ok) => (ok ? verified : null), () => null);
    }
    const publicKey = ed25519PublicKey(key);
    if (!publicKey) return null;
    return verifySignature(null, signed, publicKey, parsed.signature) ? verified : null;
  } catch {
    return null;
  }
}

/** The checks that depend on the time, as jose makes them (exp, nbf against whole seconds) plus iat not ahead. */
export function isCurrent(token: { claims: AccessClaims; nbf: number | undefined }, now: number): boolean {
  // Through Date as jose does: a time it cannot hold is NaN, and every comparison with NaN below is false.
  const nowSeconds = Math.floor(new Date(now).getTime() / 1000);
  const { iat, exp } = token.claims;
  return (
    exp > nowSeconds - CLOCK_TOLERANCE_SECONDS &&
    (token.nbf === undefined || token.nbf <= nowSeconds + CLOCK_TOLERANCE_SECONDS) &&
    iat * 1000 <= now + CLOCK_TOLERANCE_SECONDS * 1000
  );
}

const TOKEN_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
/** Invalid UTF-8 refused. A leading byte-order mark is dropped from the header (as jose does) but kept in the
 * payload, where JSON.parse then refuses it (as the jose-based verifier did: it read iat without dropping it). */
const headerText = new TextDecoder('utf-8', { fatal: true });
const payloadText = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

interface ParsedToken {
  kid: string;
  claims: AccessClaims;
  nbf: number | undefined;
  signature: Buffer;
}

/** Form, header and time-independent claims: everything but the key, the signature and the clock. */
function parseAccessToken(token: string, rules: TokenRules): ParsedToken | null {
  if (token.length > MAX_TOKEN_LENGTH || !TOKEN_SHAPE.test(token)) return null;
  const [headerPart = '', payloadPart = '', signaturePart = ''] = token.split('.');
  const header = decodeJsonObject(headerPart, headerText);
  const kid = header ? headerKid(header) : null;
  if (kid === null) return null;
  const payload = decodeJsonObject(payloadPart, payloadText);
  const signature = decodeBase64url(signaturePart);
  if (!payload || !signature) return null;
  const claims = readClaims(payload, rules);
  const { nbf } = payload;
  if (!claims || (nbf !== undefined && typeof nbf !== 'number')) return null;
  return { kid, claims, nbf, signature };
}

/** Unpadded base64url as jose decodes it on Node (atob): a length of 4n+1 is refused, stray low bits are not. */
function decodeBase64url(part: string): Buffer | null {
  return part.length % 4 === 1 ? null : Buffer.from(part, 'base64url');
}

function decodeJsonObject(part: string, text: TextDecoder): Record<string, unknown> | null {
  const bytes = decodeBase64url(part);
  if (!bytes) return null;
  try {
    const value: unknown = JSON.parse(text.decode(bytes));
    return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The kid of an acceptable header, else null: alg pinned, typ at+jwt (jose's normalisation), no key in it. */
function headerKid(header: Record<string, unknown>): string | null {
  const { alg, typ, kid, crit } = header;
  if (alg !== 'EdDSA' || typeof kid !== 'string' || FORBIDDEN_HEADERS.some((name) => name in header)) return null;
  if (typeof typ !== 'string' || normalizeTyp(typ) !== `application/${ACCESS_TOKEN_TYPE}`) return null;
  // jose knows one critical extension, b64, and a JWT may only name it with its default (true).
  if (crit !== undefined && !(Array.isArray(crit) && crit.length > 0 && crit.every((name) => name === 'b64') && header.b64 === true)) {
    return null;
  }
  return kid;
}

/** RFC 8725 §3.11 as jose applies it: case-insensitive, `application/` implied. */
function normalizeTyp(typ: string): string {
  const lower = typ.toLowerCase();
  return typ.includes('/') ? lower : `application/${lower}`;
}

/** Strict types, our issuer and audience, and a lifetime within bounds: no claim confusion, no over-long life. */
function readClaims(payload: Record<string, unknown>, rules: TokenRules): AccessClaims | null {
  // Every required claim must be present; the type checks below imply it (none is a name on Object.prototype).
  const { sub, jti, sid, iat, exp, roles, iss, aud, auth_time: authTime, amr } = payload;
  if (typeof sub !== 'string' || sub === '' || typeof jti !== 'string' || jti === '' || typeof sid !== 'string' || sid === '') {
    return null;
  }
  if (typeof iat !== 'number' || typeof exp !== 'number' || !Number.isInteger(iat) || !Number.isInteger(exp)) return null;
  if (exp - iat > rules.maxTtlSeconds || exp <= iat) return null;
  if (!Array.isArray(roles) || !roles.every((r): r is string => typeof r === 'string')) return null;
  if (typeof aud !== 'string' || typeof iss !== 'string' || aud !== rules.audience || iss !== rules.issuer) return null;
  // Optional (tokens from before step-up lack them), but never of another type when present.
  if (authTime !== undefined && (typeof authTime !== 'number' || !Number.isInteger(authTime) || authTime < 0)) return null;
  if (amr !== undefined && (!Array.isArray(amr) || !amr.every((m): m is string => typeof m === 'string'))) return null;
  const claims: AccessClaims = { iss, aud, sub, iat, exp, jti, sid, roles };
  if (authTime !== undefined) claims.auth_time = authTime;
  if (amr !== undefined) claims.amr = amr;
  return claims;
}

const fromCryptoKeys = new WeakMap<CryptoKey, KeyObject | null>();

/** A CryptoKey that jose would let verify EdDSA. */
function usableCryptoKey(key: CryptoKey): boolean {
  return key.type === 'public' && key.algorithm.name === 'Ed25519' && key.usages.includes('verify');
}

/** The key as a node:crypto KeyObject if it can verify EdDSA as jose would let it; CryptoKeys (extractable ones:
 * checkSignature takes the others to WebCrypto) converted once. */
function ed25519PublicKey(key: VerificationKey): KeyObject | null {
  if (key instanceof KeyObject) return key.type === 'public' && key.asymmetricKeyType === 'ed25519' ? key : null;
  let converted = fromCryptoKeys.get(key);
  if (converted === undefined) {
    converted = usableCryptoKey(key) ? KeyObject.from(key) : null;
    fromCryptoKeys.set(key, converted);
  }
  return converted;
}
