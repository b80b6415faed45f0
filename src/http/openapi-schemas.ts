// Owns the OpenAPI document's reusable parts: the JSON Schemas (2020-12, as OpenAPI 3.1 uses them) of every body
// the HTTP API sends or takes, the one Error schema whose `code` enum is generated from core's code table, and
// the security schemes. The paths that use them are in openapi.ts.
import { ERROR_CODES } from '../core/errors.js';

/** A JSON Schema (2020-12) or an OpenAPI object: plain JSON, built once. */
export type JsonSchema = { readonly [key: string]: unknown };

export const ref = (name: string): JsonSchema => ({ $ref: `#/components/schemas/${name}` });

const string: JsonSchema = { type: 'string' };
const dateTime: JsonSchema = { type: 'string', format: 'date-time' };
const nullable = (schema: JsonSchema): JsonSchema => ({ oneOf: [schema, { type: 'null' }] });
const integer = (minimum = 0): JsonSchema => ({ type: 'integer', minimum });

/** An object whose listed properties are all required and no other is allowed. */
export function closed(properties: Record<string, JsonSchema>, optional: readonly string[] = []): JsonSchema {
  return {
    type: 'object',
    required: Object.keys(properties).filter((name) => !optional.includes(name)),
    properties,
    additionalProperties: false,
  };
}

const amr: JsonSchema = {
  type: 'array',
  items: { type: 'string', enum: ['pwd', 'otp', 'hwk'] },
  description: 'How the user last proved who they are: `pwd` password, `otp` authenticator or recovery code, `hwk` passkey.',
};
const mode: JsonSchema = { type: 'string', enum: ['session', 'token', 'hybrid'] };

const user = closed({
  id: string,
  email: { type: 'string', description: 'As registered, normalised (Unicode allowed).' },
  roles: { type: 'array', items: string },
  emailVerified: { type: 'boolean' },
  createdAt: dateTime,
});

const tokenPair = {
  token_type: { const: 'Bearer' },
  access_token: { type: 'string', description: 'An EdDSA JWT (`typ: at+jwt`).' },
  expires_in: integer(1),
  refresh_token: string,
  refresh_expires_in: integer(1),
};

const auditEntry = {
  id: string,
  type: { type: 'string', examples: ['login.succeeded', 'session.revoked'] },
  at: dateTime,
  ip: nullable(string),
  userAgent: nullable(string),
  sessionId: nullable(string),
  details: { type: 'object', description: 'The event\'s other fields, e.g. `mode`, `reason`, `count`, `role`, `adminId`.' },
};

const adminUser = closed({ ...user['properties'] as Record<string, JsonSchema>, updatedAt: dateTime, disabledAt: nullable(dateTime) });

const reauthenticated = { authTime: dateTime, amr };

/** The components: every named schema, and the security schemes. */
export const COMPONENT_SCHEMAS: Record<string, JsonSchema> = {
  Error: {
    description: 'Every error: a stable code (docs/errors.md) and a message safe to show.',
    ...closed({
      error: closed({
        code: { type: 'string', enum: [...ERROR_CODES] },
        message: string,
      }),
    }),
  },
  User: user,
  SessionLogin: { description: 'A `session` login: the session and CSRF cookies come with it.', ...closed({ user: ref('User'), csrfToken: string, expiresAt: dateTime }) },
  TokenLogin: { description: 'A `token` login.', ...closed({ ...tokenPair, user: ref('User') }) },
  HybridLogin: { description: 'A `hybrid` login: the access, refresh and CSRF cookies come with it.', ...closed({ user: ref('User'), csrfToken: string, expires_in: integer(1) }) },
  MfaRequired: {
    description: 'The password was right and a second factor is on: nothing opened yet; complete with `POST /auth/login/mfa`.',
    ...closed({ mfaRequired: { const: true }, mfaToken: string, methods: { type: 'array', items: { type: 'string', enum: ['totp', 'recovery_code'] } } }),
  },
  LoginResponse: { oneOf: [ref('SessionLogin'), ref('TokenLogin'), ref('HybridLogin'), ref('MfaRequired')] },
  OpenedLogin: { oneOf: [ref('SessionLogin'), ref('TokenLogin'), ref('HybridLogin')] },
  TokenPair: closed(tokenPair),
  HybridRefresh: { description: 'A hybrid refresh: new access, refresh and CSRF cookies come with it.', ...closed({ csrfToken: string, expires_in: integer(1) }) },
  AccessToken: closed({ access_token: string, token_type: { const: 'Bearer' }, expires_in: integer(1) }),
  Me: closed({
    user: ref('User'),
    auth: closed({ mode, sessionId: string, expiresAt: dateTime, authTime: dateTime, amr }),
  }),
  CsrfToken: closed({ csrfToken: string }),
  Session: closed({
    id: string,
    mode,
    createdAt: dateTime,
    lastActiveAt: dateTime,
    expiresAt: dateTime,
    userAgent: nullable(string),
    ip: nullable(string),
    current: { type: 'boolean' },
  }),
  SessionList: closed({ sessions: { type: 'array', items: ref('Session') } }),
  AuditEntry: closed(auditEntry),
  AuditPage: closed({ events: { type: 'array', items: ref('AuditEntry') }, next: nullable(string) }),
  AdminAuditPage: closed({ events: { type: 'array', items: closed({ ...auditEntry, userId: nullable(string) }) }, next: nullable(string) }),
  UserEnvelope: closed({ user: ref('User') }),
  MfaStatus: closed({ totp: { type: 'boolean' }, recoveryCodesLeft: integer() }),
  TotpSetup: closed({ secret: { type: 'string', description: 'Base32.' }, otpauthUrl: { type: 'string', pattern: '^otpauth://totp/' } }),
  RecoveryCodes: closed({ recoveryCodes: { type: 'array', items: { type: 'string', pattern: '^[0-9A-Z]{4}(-[0-9A-Z]{4}){3}$' } } }),
  Reauthenticated: {
    description: 'Per mode: `session` the proof only; `token` also a fresh access token; `hybrid` also a fresh access cookie.',
    oneOf: [
      closed(reauthenticated),
      closed({ ...reauthenticated, access_token: string, token_type: { const: 'Bearer' }, expires_in: integer(1) }),
      closed({ ...reauthenticated, expires_in: integer(1) }),
    ],
  },
  Passkey: closed({
    id: { type: 'string', description: 'The credential id (base64url).' },
    name: { type: 'string', minLength: 1, maxLength: 64 },
    createdAt: dateTime,
    lastUsedAt: nullable(dateTime),
    deviceType: { type: 'string', enum: ['singleDevice', 'multiDevice'] },
    backedUp: { type: 'boolean' },
    transports: { type: 'array', items: string },
  }),
  PasskeyEnvelope: closed({ passkey: ref('Passkey') }),
  PasskeyList: closed({ passkeys: { type: 'array', items: ref('Passkey') } }),
  WebAuthnCreationOptions: {
    type: 'object',
    required: ['challenge', 'rp', 'user', 'pubKeyCredParams'],
    description: 'PublicKeyCredentialCreationOptionsJSON (WebAuthn Level 3), for `navigator.credentials.create`.',
  },
  WebAuthnRequestOptions: {
    type: 'object',
    required: ['challenge'],
    description: 'PublicKeyCredentialRequestOptionsJSON (WebAuthn Level 3), for `navigator.credentials.get`.',
  },
  WebAuthnCredential: {
    type: 'object',
    required: ['id', 'rawId', 'response', 'type'],
    description: 'The browser\'s credential, as `PublicKeyCredential.toJSON()` gives it.',
  },
  AdminUser: adminUser,
  UserPage: closed({ users: { type: 'array', items: ref('AdminUser') }, next: nullable(string) }),
  AdminUserDetail: closed({
    user: ref('AdminUser'),
    sessions: { type: 'array', items: ref('Session') },
    factors: {
      type: 'array',
      items: {
        oneOf: [
          closed({ type: { const: 'totp' }, enabledAt: dateTime, recoveryCodesLeft: integer() }),
          closed({ type: { const: 'passkey' }, id: string, name: string, createdAt: dateTime, lastUsedAt: nullable(dateTime) }),
        ],
      },
    },
  }),
  Jwks: {
    type: 'object',
    required: ['keys'],
    properties: {
      keys: {
        type: 'array',
        items: { type: 'object', required: ['kty', 'kid'], properties: { kty: { const: 'OKP' }, crv: { const: 'Ed25519' }, x: string, kid: string, alg: { const: 'EdDSA' }, use: { const: 'sig' } } },
      },
    },
  },
  Status: closed({ status: { type: 'string', enum: ['ok', 'ready'] } }),
};

/** The credentials a request may carry. Cookie names lose their `__Host-`/`__Secure-` prefix with GATEHOUSE_INSECURE_COOKIES. */
export const SECURITY_SCHEMES: Record<string, JsonSchema> = {
  bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A token-mode access token: `Authorization: Bearer <jwt>`.' },
  sessionCookie: { type: 'apiKey', in: 'cookie', name: '__Host-gh_session', description: 'A session-mode login\'s cookie.' },
  hybridCookie: { type: 'apiKey', in: 'cookie', name: '__Host-gh_access', description: 'A hybrid login\'s access cookie (a JWT).' },
  hybridRefreshCookie: { type: 'apiKey', in: 'cookie', name: '__Secure-gh_refresh', description: 'A hybrid login\'s refresh cookie (Path=/auth).' },
  csrfToken: {
    type: 'apiKey',
    in: 'header',
    name: 'X-CSRF-Token',
    description: 'With a cookie credential on an unsafe method: the CSRF token (also in the `__Host-gh_csrf` cookie), and a same-origin or allowed `Origin`.',
  },
  revocationFeedToken: { type: 'http', scheme: 'bearer', description: 'GATEHOUSE_REVOCATION_FEED_TOKEN, for `GET /auth/revocations`.' },
};
