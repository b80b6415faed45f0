// Owns the OpenAPI 3.1 document of the HTTP API (served at `GET /openapi.json` by the standalone server, rendered
// by its API reference page): every path, method, body, success response and the error codes each can answer,
// built once from the operation table below. Schemas and security schemes are in openapi-schemas.ts; error
// responses all use its one Error schema, narrowed per status to the codes the operation can send.
import { ERROR_STATUS, type ErrorCode } from '../core/errors.js';
import { closed, COMPONENT_SCHEMAS, ref, SECURITY_SCHEMES, type JsonSchema } from './openapi-schemas.js';

export type { JsonSchema } from './openapi-schemas.js';

type HttpMethod = 'get' | 'post' | 'put' | 'patch' | 'delete';

interface Success {
  description: string;
  /** A JSON body's schema; none for an empty answer. */
  schema?: JsonSchema;
  /** A non-JSON body's media type (its schema is a string). */
  mediaType?: string;
  headers?: Record<string, string>;
}

interface OperationSpec {
  method: HttpMethod;
  /** An OpenAPI path template: `/auth/sessions/{id}`. */
  path: string;
  tag: string;
  id: string;
  summary: string;
  description?: string;
  /** Who may call it: anyone, any user credential (CSRF rules for cookies), the hybrid refresh, the feed's token. */
  auth: 'none' | 'user' | 'refresh' | 'feed';
  /** Needs a proof of identity newer than GATEHOUSE_STEP_UP_MAX_AGE (403 `reauthentication_required`). */
  stepUp?: boolean;
  /** Only the standalone server answers it (not the framework adapters). */
  standaloneOnly?: boolean;
  body?: { schema: JsonSchema; required?: boolean; description?: string };
  query?: Record<string, { description: string; schema: JsonSchema }>;
  responses: Record<number, Success>;
  /** Error codes this operation may answer, besides those every operation may (COMMON_ERRORS). */
  errors: ErrorCode[];
}

/** Any request may be malformed, too big or too slow, meet a fault, or find the store down. */
const COMMON_ERRORS: readonly ErrorCode[] = ['invalid_request', 'request_timeout', 'payload_too_large', 'headers_too_large', 'internal_error', 'unavailable'];

const str = { type: 'string' } as const;
const SET_COOKIE = 'Set-Cookie';
const LOGIN_COOKIES = 'Per mode: `session` sets the session and CSRF cookies, `hybrid` the access, refresh and CSRF cookies, `token` none.';
const CLEARED = 'The cookies of a cookie credential, cleared.';
const paging = {
  limit: { description: '1–100 (default 20).', schema: { type: 'string', pattern: '^[0-9]{1,4}$' } },
  cursor: { description: 'The `next` of the previous page.', schema: str },
};
const credentials = (fields: Record<string, JsonSchema>, optional: string[] = []) => ({ schema: closedBody(fields, optional), required: true });
/** Request bodies: the fields the route reads (others are ignored, so not refused). */
function closedBody(fields: Record<string, JsonSchema>, optional: string[] = []): JsonSchema {
  return { ...closed(fields, optional), additionalProperties: true };
}
const loginMode = { type: 'string', enum: ['session', 'token', 'hybrid'], default: 'session', description: 'One of GATEHOUSE_MODES.' };

/** Every operation, in the order the reference page lists them. */
export const OPERATIONS: readonly OperationSpec[] = [
  // Sign-in and tokens
  { method: 'post', path: '/auth/register', tag: 'Sign-in', id: 'register', summary: 'Create an account.', auth: 'none',
    body: credentials({ email: str, password: str }),
    responses: { 201: { description: 'Registered.', schema: ref('UserEnvelope') } },
    errors: ['csrf_failed', 'email_taken', 'rate_limited', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/login', tag: 'Sign-in', id: 'login', summary: 'Sign in with email and password.', auth: 'none',
    description: 'With a second factor on, any mode answers `{mfaRequired: true, mfaToken, methods}` and opens nothing.',
    body: credentials({ email: str, password: str, mode: loginMode }, ['mode']),
    responses: { 200: { description: 'Signed in (per mode), or a second factor is needed.', schema: ref('LoginResponse'), headers: { [SET_COOKIE]: LOGIN_COOKIES } } },
    errors: ['csrf_failed', 'invalid_credentials', 'email_not_verified', 'rate_limited', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/login/mfa', tag: 'Sign-in', id: 'loginMfa', summary: 'Complete a login with its second factor.', auth: 'none',
    body: { schema: { ...closedBody({ mfaToken: str, code: str, recoveryCode: str }, ['code', 'recoveryCode']), description: '`code` or `recoveryCode`.' }, required: true },
    responses: { 200: { description: 'Signed in, in the mode the login asked for.', schema: ref('OpenedLogin'), headers: { [SET_COOKIE]: LOGIN_COOKIES } } },
    errors: ['csrf_failed', 'invalid_token', 'invalid_code', 'invalid_credentials', 'email_not_verified', 'rate_limited', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/refresh', tag: 'Sign-in', id: 'refresh', summary: 'Rotate a refresh token.', auth: 'refresh',
    description: 'Token mode: `{refresh_token}` in the body. Hybrid: no body, the refresh cookie and `X-CSRF-Token`. A reused token ends its family.',
    body: { schema: closedBody({ refresh_token: str }), required: false, description: 'Token mode only.' },
    responses: { 200: { description: 'A new pair (token) or new cookies (hybrid).', schema: { oneOf: [ref('TokenPair'), ref('HybridRefresh')] }, headers: { [SET_COOKIE]: 'Hybrid: new access, refresh and CSRF cookies.' } } },
    errors: ['unauthenticated', 'refresh_token_reused', 'csrf_failed', 'invalid_credentials', 'rate_limited', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/token', tag: 'Sign-in', id: 'exchangeToken', summary: 'Exchange the credential for a short access token.', auth: 'user',
    responses: { 200: { description: 'An access token (≤ 5 min, never past the session).', schema: ref('AccessToken') } },
    errors: ['unsupported_media_type'] },
  ...(['get', 'post', 'put', 'patch', 'delete'] as const).map((method): OperationSpec => ({
    method, path: '/auth/verify', tag: 'Sign-in', id: `verify${method[0]?.toUpperCase() ?? ''}${method.slice(1)}`,
    summary: 'Forward-auth for a gateway (any method).', auth: 'user',
    description: 'CSRF rules follow the guarded request\'s method (`X-Original-Method` or `X-Forwarded-Method`).',
    responses: { 200: { description: 'Authenticated: the identity in headers, no body.', headers: { 'X-Auth-User-Id': 'The user id.', 'X-Auth-Roles': 'Comma-separated roles.', 'X-Auth-Session-Id': 'The session or token family id.' } } },
    // A cookie credential guarding an unsafe method needs the CSRF token, whatever the sub-request's own method.
    errors: ['csrf_failed'],
  })),
  { method: 'get', path: '/auth/me', tag: 'Sign-in', id: 'me', summary: 'Who is signed in.', auth: 'user',
    responses: { 200: { description: 'The user and the credential\'s details.', schema: ref('Me') } }, errors: [] },
  { method: 'get', path: '/auth/csrf', tag: 'Sign-in', id: 'csrf', summary: 'The session\'s CSRF token.', auth: 'user',
    responses: { 200: { description: 'The token to send as X-CSRF-Token.', schema: ref('CsrfToken') } }, errors: [] },
  { method: 'post', path: '/auth/logout', tag: 'Sign-in', id: 'logout', summary: 'Sign out this credential.', auth: 'user',
    responses: { 204: { description: 'Ended (an access token is denied at once, its family revoked).', headers: { [SET_COOKIE]: CLEARED } } },
    errors: ['unsupported_media_type'] },
  { method: 'post', path: '/auth/logout-all', tag: 'Sign-in', id: 'logoutAll', summary: 'Sign out everywhere.', auth: 'user',
    responses: { 204: { description: 'Every session and family of the user ended.', headers: { [SET_COOKIE]: CLEARED } } },
    errors: ['unsupported_media_type'] },
  { method: 'post', path: '/auth/reauthenticate', tag: 'Sign-in', id: 'reauthenticate', summary: 'Renew the proof of identity (step-up).', auth: 'user',
    body: { schema: { ...closedBody({ password: str, code: { type: 'string', description: 'An authenticator or recovery code.' } }, ['password', 'code']), description: '`password` or `code`.' }, required: true },
    responses: { 200: { description: 'The renewed proof, per mode.', schema: ref('Reauthenticated'), headers: { [SET_COOKIE]: 'Hybrid: a fresh access cookie.' } } },
    errors: ['invalid_credentials', 'invalid_code', 'rate_limited', 'unsupported_media_type'] },

  // Account
  { method: 'post', path: '/auth/password', tag: 'Account', id: 'changePassword', summary: 'Change the password.', auth: 'user', stepUp: true,
    body: credentials({ currentPassword: str, newPassword: str }),
    responses: { 204: { description: 'Changed; every other session and family ended.' } },
    errors: ['invalid_credentials', 'rate_limited', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/email/verify/request', tag: 'Account', id: 'requestEmailVerification', summary: 'Mail a verification link.', auth: 'user',
    responses: { 202: { description: 'Mailed (24 h, single use).' } }, errors: ['rate_limited', 'not_configured', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/email/verify', tag: 'Account', id: 'verifyEmail', summary: 'Verify the email with a link\'s token.', auth: 'none',
    body: credentials({ token: str }),
    responses: { 200: { description: 'Verified.', schema: ref('UserEnvelope') } }, errors: ['invalid_token', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/password/forgot', tag: 'Account', id: 'forgotPassword', summary: 'Mail a password-reset link.', auth: 'none',
    body: credentials({ email: str }),
    responses: { 202: { description: 'Accepted, whatever the email.' } }, errors: ['csrf_failed', 'rate_limited', 'not_configured', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/password/reset', tag: 'Account', id: 'resetPassword', summary: 'Set a new password with a reset link\'s token.', auth: 'none',
    body: credentials({ token: str, newPassword: str }),
    responses: { 204: { description: 'Reset; every session and family of the user ended.' } }, errors: ['csrf_failed', 'invalid_token', 'rate_limited', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/email/change', tag: 'Account', id: 'changeEmail', summary: 'Ask to change the email.', auth: 'user', stepUp: true,
    body: credentials({ newEmail: str, currentPassword: str }),
    responses: { 202: { description: 'A notice to the current address, a confirmation link to the new one.' } },
    errors: ['invalid_credentials', 'email_taken', 'rate_limited', 'not_configured', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/email/change/confirm', tag: 'Account', id: 'confirmEmailChange', summary: 'Confirm an email change with its link\'s token.', auth: 'none',
    body: credentials({ token: str }),
    responses: { 200: { description: 'The user with the new, verified email.', schema: ref('UserEnvelope') } }, errors: ['invalid_token', 'email_taken', 'unsupported_media_type'] },
  { method: 'delete', path: '/auth/account', tag: 'Account', id: 'deleteAccount', summary: 'Delete the account.', auth: 'user', stepUp: true,
    body: credentials({ currentPassword: str }),
    responses: { 204: { description: 'Gone, with its sessions, families, links and factors.', headers: { [SET_COOKIE]: CLEARED } } },
    errors: ['invalid_credentials', 'rate_limited', 'unsupported_media_type'] },
  { method: 'get', path: '/auth/sessions', tag: 'Account', id: 'listSessions', summary: 'The user\'s sessions and token families.', auth: 'user',
    responses: { 200: { description: 'Web sessions and token families.', schema: ref('SessionList') } }, errors: [] },
  { method: 'delete', path: '/auth/sessions/{id}', tag: 'Account', id: 'revokeSession', summary: 'End one of the user\'s sessions.', auth: 'user',
    responses: { 204: { description: 'Revoked at once.', headers: { [SET_COOKIE]: 'When it was this request\'s own: ' + CLEARED } } },
    errors: ['not_found', 'unsupported_media_type'] },
  { method: 'get', path: '/auth/audit', tag: 'Account', id: 'listAudit', summary: 'The user\'s own security events, newest first.', auth: 'user',
    query: paging, responses: { 200: { description: 'A page of events.', schema: ref('AuditPage') } }, errors: [] },

  // Second factor
  { method: 'get', path: '/auth/mfa', tag: 'Second factor', id: 'mfaStatus', summary: 'Whether TOTP is on, and recovery codes left.', auth: 'user',
    responses: { 200: { description: 'The status.', schema: ref('MfaStatus') } }, errors: [] },
  { method: 'post', path: '/auth/mfa/totp/setup', tag: 'Second factor', id: 'setupTotp', summary: 'A new TOTP secret, pending until enabled.', auth: 'user', stepUp: true,
    responses: { 200: { description: 'The secret and its otpauth:// URI.', schema: ref('TotpSetup') } }, errors: ['unsupported_media_type'] },
  { method: 'post', path: '/auth/mfa/totp/enable', tag: 'Second factor', id: 'enableTotp', summary: 'Turn TOTP on with a first code.', auth: 'user', stepUp: true,
    body: credentials({ code: str }),
    responses: { 200: { description: 'On; ten recovery codes, shown this once.', schema: ref('RecoveryCodes') } }, errors: ['invalid_code', 'rate_limited', 'unsupported_media_type'] },
  { method: 'delete', path: '/auth/mfa/totp', tag: 'Second factor', id: 'disableTotp', summary: 'Turn TOTP off.', auth: 'user', stepUp: true,
    responses: { 204: { description: 'Off; every other session and family ended.' } }, errors: ['not_found', 'unsupported_media_type'] },

  // Passkeys
  { method: 'post', path: '/auth/passkeys/register/options', tag: 'Passkeys', id: 'passkeyRegistrationOptions', summary: 'WebAuthn creation options.', auth: 'user', stepUp: true,
    responses: { 200: { description: 'For `navigator.credentials.create`.', schema: ref('WebAuthnCreationOptions') } }, errors: ['not_configured', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/passkeys/register', tag: 'Passkeys', id: 'registerPasskey', summary: 'Keep a new passkey.', auth: 'user', stepUp: true,
    body: { schema: closedBody({ response: ref('WebAuthnCredential'), name: { type: 'string', minLength: 1, maxLength: 64, default: 'Passkey' } }, ['name']), required: true },
    responses: { 201: { description: 'Registered.', schema: ref('PasskeyEnvelope') } }, errors: ['not_configured', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/passkeys/login/options', tag: 'Passkeys', id: 'passkeyLoginOptions', summary: 'WebAuthn request options (usernameless).', auth: 'none',
    responses: { 200: { description: 'For `navigator.credentials.get`.', schema: ref('WebAuthnRequestOptions') } }, errors: ['csrf_failed', 'not_configured', 'unsupported_media_type'] },
  { method: 'post', path: '/auth/passkeys/login', tag: 'Passkeys', id: 'passkeyLogin', summary: 'Sign in with a passkey.', auth: 'none',
    body: { schema: closedBody({ response: ref('WebAuthnCredential'), mode: loginMode }, ['mode']), required: true },
    responses: { 200: { description: 'Signed in, per mode (no second-factor step).', schema: ref('OpenedLogin'), headers: { [SET_COOKIE]: LOGIN_COOKIES } } },
    errors: ['csrf_failed', 'invalid_credentials', 'email_not_verified', 'rate_limited', 'not_configured', 'unsupported_media_type'] },
  { method: 'get', path: '/auth/passkeys', tag: 'Passkeys', id: 'listPasskeys', summary: 'The user\'s passkeys.', auth: 'user',
    responses: { 200: { description: 'Passkeys, never a key.', schema: ref('PasskeyList') } }, errors: [] },
  { method: 'delete', path: '/auth/passkeys/{id}', tag: 'Passkeys', id: 'deletePasskey', summary: 'Delete one of the user\'s passkeys.', auth: 'user', stepUp: true,
    responses: { 204: { description: 'Deleted.' } }, errors: ['not_found', 'unsupported_media_type'] },

  // Administration
  ...adminOperations(),

  // Verifiers and operations
  { method: 'get', path: '/.well-known/jwks.json', tag: 'Verifiers', id: 'jwks', summary: 'The public signing keys.', auth: 'none',
    responses: { 200: { description: 'A JWK Set (cacheable).', schema: ref('Jwks') } }, errors: [] },
  { method: 'get', path: '/auth/revocations', tag: 'Verifiers', id: 'revocationFeed', summary: 'The revocation feed (Server-Sent Events).', auth: 'feed',
    description: 'Send `Last-Event-ID` to resume. Closed (403) in production without GATEHOUSE_REVOCATION_FEED_TOKEN.',
    responses: { 200: { description: 'An event stream.', mediaType: 'text/event-stream' } }, errors: ['unauthenticated', 'forbidden'] },
  { method: 'get', path: '/healthz', tag: 'Operations', id: 'healthz', summary: 'Liveness.', auth: 'none',
    responses: { 200: { description: 'Alive.', schema: ref('Status') } }, errors: [] },
  { method: 'get', path: '/readyz', tag: 'Operations', id: 'readyz', summary: 'Readiness: the store reachable, revocations heard.', auth: 'none',
    responses: { 200: { description: 'Ready.', schema: ref('Status') } }, errors: [] },
  { method: 'get', path: '/metrics', tag: 'Operations', id: 'metrics', summary: 'Prometheus metrics.', auth: 'none', standaloneOnly: true,
    responses: { 200: { description: 'The Prometheus text format.', mediaType: 'text/plain' } }, errors: [] },
  { method: 'get', path: '/openapi.json', tag: 'Operations', id: 'openapi', summary: 'This document.', auth: 'none', standaloneOnly: true,
    responses: { 200: { description: 'OpenAPI 3.1 (cacheable, with an ETag).', schema: { type: 'object', required: ['openapi', 'paths'] } }, 304: { description: 'Not modified (If-None-Match).' } },
    errors: [] },
];

function adminOperations(): OperationSpec[] {
  const admin = (spec: Omit<OperationSpec, 'tag' | 'auth' | 'stepUp' | 'errors'> & { errors?: ErrorCode[] }): OperationSpec => ({
    ...spec,
    tag: 'Administration',
    auth: 'user',
    stepUp: true,
    errors: ['forbidden', ...(spec.path.includes('{id}') ? (['not_found'] as const) : []), ...(spec.method === 'get' ? [] : (['unsupported_media_type'] as const)), ...(spec.errors ?? [])],
  });
  const done = (description: string) => ({ 204: { description } });
  return [
    admin({ method: 'get', path: '/admin/users', id: 'adminListUsers', summary: 'Find users by email.', query: { query: { description: 'Part of the email.', schema: str }, ...paging },
      responses: { 200: { description: 'A page of users, by email.', schema: ref('UserPage') } } }),
    admin({ method: 'get', path: '/admin/users/{id}', id: 'adminShowUser', summary: 'A user, its sessions and factors.', responses: { 200: { description: 'The user.', schema: ref('AdminUserDetail') } } }),
    admin({ method: 'delete', path: '/admin/users/{id}', id: 'adminDeleteUser', summary: 'Delete a user.', responses: done('Gone, with its sessions, families and links.') }),
    admin({ method: 'post', path: '/admin/users/{id}/disable', id: 'adminDisableUser', summary: 'Disable a user.', responses: done('Disabled; every session and family ended.') }),
    admin({ method: 'post', path: '/admin/users/{id}/enable', id: 'adminEnableUser', summary: 'Enable a user.', responses: done('Enabled.') }),
    admin({ method: 'post', path: '/admin/users/{id}/roles', id: 'adminGrantRole', summary: 'Grant a role.', body: credentials({ role: str }), responses: done('Granted.') }),
    admin({ method: 'delete', path: '/admin/users/{id}/roles/{role}', id: 'adminRevokeRole', summary: 'Take a role away.', responses: done('Revoked (access tokens issued before are refused).') }),
    admin({ method: 'delete', path: '/admin/users/{id}/sessions', id: 'adminRevokeSessions', summary: 'End every session of a user.', responses: done('Ended.') }),
    admin({ method: 'delete', path: '/admin/users/{id}/sessions/{sid}', id: 'adminRevokeSession', summary: 'End one session of a user.', responses: done('Ended.') }),
    admin({ method: 'delete', path: '/admin/users/{id}/mfa', id: 'adminResetMfa', summary: 'Remove a user\'s second factors and passkeys.', responses: done('Reset.') }),
    admin({ method: 'post', path: '/admin/users/{id}/password-reset', id: 'adminForcePasswordReset', summary: 'Force a password reset.', responses: { 202: { description: 'Sessions ended, password disabled, a reset link mailed.' } }, errors: ['not_configured'] }),
    admin({ method: 'get', path: '/admin/audit', id: 'adminListAudit', summary: 'Every user\'s events, newest first.', query: paging, responses: { 200: { description: 'A page of events.', schema: ref('AdminAuditPage') } } }),
  ];
}

const UNSAFE: ReadonlySet<HttpMethod> = new Set(['post', 'put', 'patch', 'delete']);

function security(spec: OperationSpec): JsonSchema[] | undefined {
  const csrf = UNSAFE.has(spec.method) ? { csrfToken: [] } : {};
  switch (spec.auth) {
    case 'none': return undefined;
    case 'feed': return [{ revocationFeedToken: [] }, {}];
    case 'refresh': return [{}, { hybridRefreshCookie: [], csrfToken: [] }];
    case 'user': return [{ bearer: [] }, { sessionCookie: [], ...csrf }, { hybridCookie: [], ...csrf }];
  }
}

/** The codes an operation may answer: its own, the credential's, step-up's, and those of every request. */
export function errorCodesOf(spec: OperationSpec): ErrorCode[] {
  const codes = new Set<ErrorCode>(COMMON_ERRORS);
  if (spec.auth === 'user') {
    codes.add('unauthenticated');
    if (UNSAFE.has(spec.method)) codes.add('csrf_failed');
  }
  if (spec.stepUp) codes.add('reauthentication_required');
  for (const code of spec.errors) codes.add(code);
  return [...codes].sort((a, b) => ERROR_STATUS[a] - ERROR_STATUS[b] || a.localeCompare(b));
}

/** The error answers of an operation: one per status, the Error schema with `code` narrowed to that status's codes. */
function errorResponses(codes: readonly ErrorCode[]): Record<string, JsonSchema> {
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of codes) byStatus.set(ERROR_STATUS[code], [...(byStatus.get(ERROR_STATUS[code]) ?? []), code]);
  const responses: Record<string, JsonSchema> = {};
  for (const [status, list] of byStatus) {
    responses[String(status)] = {
      description: list.map((code) => `\`${code}\``).join(', '),
      content: { 'application/json': { schema: { allOf: [ref('Error')], properties: { error: { properties: { code: { enum: list } } } } } } },
    };
  }
  return responses;
}

function successResponse(success: Success): JsonSchema {
  const headers = success.headers
    ? Object.fromEntries(Object.entries(success.headers).map(([name, description]) => [name, { description, schema: str }]))
    : undefined;
  const content = success.schema
    ? { 'application/json': { schema: success.schema } }
    : success.mediaType ? { [success.mediaType]: { schema: str } } : undefined;
  return { description: success.description, ...(headers ? { headers } : {}), ...(content ? { content } : {}) };
}

function operation(spec: OperationSpec): JsonSchema {
  const parameters = [
    ...[...spec.path.matchAll(/\{(\w+)\}/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: str })),
    ...Object.entries(spec.query ?? {}).map(([name, { description, schema }]) => ({ name, in: 'query', required: false, description, schema })),
  ];
  const notes = [
    spec.description,
    spec.stepUp ? 'Step-up: needs a proof of identity newer than GATEHOUSE_STEP_UP_MAX_AGE (`POST /auth/reauthenticate`).' : undefined,
    spec.standaloneOnly ? 'Served by the standalone server only, not by the framework adapters.' : undefined,
  ].filter((note) => note !== undefined);
  const auth = security(spec);
  const errors = errorCodesOf(spec);
  return {
    operationId: spec.id,
    tags: [spec.tag],
    summary: spec.summary,
    ...(notes.length > 0 ? { description: notes.join('\n\n') } : {}),
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(auth ? { security: auth } : {}),
    ...(spec.body
      ? { requestBody: { required: spec.body.required ?? true, ...(spec.body.description ? { description: spec.body.description } : {}), content: { 'application/json': { schema: spec.body.schema } } } }
      : {}),
    responses: {
      ...Object.fromEntries(Object.entries(spec.responses).map(([status, success]) => [status, successResponse(success)])),
      ...errorResponses(errors),
    },
    'x-error-codes': errors,
  };
}

function buildDocument(): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const spec of OPERATIONS) (paths[spec.path] ??= {})[spec.method] = operation(spec);
  return {
    openapi: '3.1.0',
    info: {
      title: 'Gatehouse',
      version: '0.1.0',
      summary: 'Authentication server: sessions, JWT with rotating refresh tokens, and the hybrid, behind one user model.',
      description: 'JSON in and out; every error is `{"error": {"code", "message"}}` (docs/errors.md). CORS preflights (`OPTIONS /auth/*`) answer for GATEHOUSE_ALLOWED_ORIGINS only.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    servers: [{ url: '/' }],
    tags: [...new Set(OPERATIONS.map((spec) => spec.tag))].map((name) => ({ name })),
    paths,
    components: {
      schemas: COMPONENT_SCHEMAS,
      securitySchemes: SECURITY_SCHEMES,
      responses: {
        NotFound: { ...errorResponses(['not_found'])['404'], description: 'No such path or method: `not_found`.' },
        Malformed: { ...errorResponses(['invalid_request'])['400'], description: 'A request too malformed to route (e.g. a path that is not valid percent-encoding): `invalid_request`.' },
      },
    },
  };
}

/** The OpenAPI 3.1 document, built once (deeply frozen: every answer shares it). */
export const OPENAPI_DOCUMENT: JsonSchema = deepFreeze(buildDocument());

/** The document serialised, for `GET /openapi.json`. */
export const OPENAPI_JSON: string = JSON.stringify(OPENAPI_DOCUMENT);

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}
