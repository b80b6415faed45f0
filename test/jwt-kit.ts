// Shared by the JWT attack tests: a token-mode server with two users, and a forger that signs any header and
// payload with the server's own signing key (or any other key), so each test changes only the attack itself.
import assert from 'node:assert/strict';
import { createPublicKey, randomBytes, sign, type KeyObject } from 'node:crypto';
import { engineInternals } from '../src/core/internals.js';
import { createClient, PASSWORD, startTestServer, type ApiResponse, type Client, type TestServer } from './helpers.js';

export type Json = Record<string, unknown>;

export const CHALLENGE = 'Bearer realm="gatehouse", error="invalid_token"';
/** The order of the Ed25519 group (RFC 8032 §5.1): a canonical S is below it. */
export const ED25519_L = 2n ** 252n + 27742317777372353535851937790883648493n;

export const b64 = (value: unknown): string =>
  (Buffer.isBuffer(value) ? value : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value))).toString('base64url');

export const segments = (token: string) => token.split('.') as [string, string, string];

/** `base64url(header).base64url(payload).base64url(Ed25519 signature)`, built by hand. */
export function signWith(key: KeyObject, header: unknown, payload: unknown): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${sign(null, Buffer.from(input), key).toString('base64url')}`;
}

export interface JwtLab {
  server: TestServer;
  client: Client;
  kid: string;
  privateKey: KeyObject;
  /** The server's public key as a client sees it in the JWKS. */
  publicJwk: Json;
  publicKey: KeyObject;
  alice: { id: string; sid: string; token: string };
  bob: { id: string };
  /** Genuine-looking claims for alice's session at the server's current time; `undefined` values drop a claim. */
  claims(overrides?: Json): Json;
  /** The header the server itself would write; `undefined` values drop a member. */
  header(overrides?: Json): Json;
  /** Signed with the server's own signing key. */
  mint(header?: Json, payload?: Json): string;
  me(authorization: string | undefined, path?: string): Promise<ApiResponse>;
  /** 401 with the RFC 6750 invalid_token challenge. */
  refused(token: string): Promise<void>;
  accepted(token: string): Promise<void>;
  close(): Promise<void>;
}

function without(object: Json): Json {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined));
}

export async function startJwtLab(): Promise<JwtLab> {
  const server = await startTestServer();
  const client = createClient(server);
  const ids: string[] = [];
  for (const email of ['alice@example.com', 'bob@example.com']) {
    const registered = await client.post('/auth/register', { email, password: PASSWORD });
    assert.equal(registered.status, 201, registered.text);
    ids.push((registered.body as { user: { id: string } }).user.id);
  }
  const login = await client.post('/auth/login', { email: 'alice@example.com', password: PASSWORD, mode: 'token' });
  assert.equal(login.status, 200, login.text);
  const token = (login.body as { access_token: string }).access_token;
  const sid = (JSON.parse(Buffer.from(segments(token)[1], 'base64url').toString()) as { sid: string }).sid;
  const { kid, privateKey } = engineInternals(server.server.gatehouse).keys.signingKey(server.clock());
  const jwks = (await client.get('/.well-known/jwks.json')).body as { keys: Json[] };
  const publicJwk = jwks.keys.find((k) => k['kid'] === kid)!;
  assert.ok(publicJwk, 'the signing key is published');

  const lab: JwtLab = {
    server,
    client,
    kid,
    privateKey,
    publicJwk,
    publicKey: createPublicKey({ key: publicJwk as { kty: string }, format: 'jwk' }),
    alice: { id: ids[0]!, sid, token },
    bob: { id: ids[1]! },
    claims(overrides = {}) {
      const now = Math.floor(server.clock() / 1000);
      const base = { iss: 'gatehouse', aud: 'gatehouse', sub: ids[0], iat: now, exp: now + 900, jti: randomBytes(16).toString('base64url'), sid, roles: [] };
      return without({ ...base, ...overrides });
    },
    header: (overrides = {}) => without({ alg: 'EdDSA', kid, typ: 'at+jwt', ...overrides }),
    mint: (header = lab.header(), payload = lab.claims()) => signWith(privateKey, header, payload),
    me: (authorization, path = '/auth/me') => client.get(path, { headers: authorization === undefined ? {} : { authorization } }),
    async refused(token) {
      const response = await lab.me(`Bearer ${token}`);
      assert.equal(response.status, 401, `expected 401, got ${response.status}: ${response.text}`);
      assert.equal(response.headers.get('www-authenticate'), CHALLENGE);
    },
    async accepted(token) {
      const response = await lab.me(`Bearer ${token}`);
      assert.equal(response.status, 200, response.text);
      assert.equal((response.body as { user: { id: string } }).user.id, ids[0]);
    },
    close: () => server.close(),
  };
  return lab;
}
