// Interoperability: access tokens from a running server verify with an independent verifier made of
// node:crypto and the published JWKS only (no jose, no Gatehouse code), and have exactly the documented
// header and claims. The JWKS itself publishes public keys only, with bounded caching.
import assert from 'node:assert/strict';
import { createPublicKey, verify } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { createClient, PASSWORD, startTestServer, type Client, type TestServer } from './helpers.js';

type Json = Record<string, unknown>;
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k', 'oth', 'r', 't', 'priv', 'privateKey'];

/** A relying party's verifier: the JWKS from the network, node:crypto for the signature, nothing else. */
async function independentVerify(baseUrl: string, token: string): Promise<{ header: Json; payload: Json } | null> {
  const jwks = (await (await fetch(`${baseUrl}/.well-known/jwks.json`)).json()) as { keys: Json[] };
  const parts = token.split('.');
  if (parts.length !== 3) return null;
  const [h, p, s] = parts as [string, string, string];
  const header = JSON.parse(Buffer.from(h, 'base64url').toString('utf8')) as Json;
  if (header['alg'] !== 'EdDSA') return null;
  const jwk = jwks.keys.find((k) => k['kid'] === header['kid']);
  if (!jwk || jwk['kty'] !== 'OKP' || jwk['crv'] !== 'Ed25519') return null;
  const publicKey = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: jwk['x'] as string }, format: 'jwk' });
  if (!verify(null, Buffer.from(`${h}.${p}`), publicKey, Buffer.from(s, 'base64url'))) return null;
  return { header, payload: JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as Json };
}

async function tokenLogin(client: Client, email: string): Promise<Json> {
  const login = await client.post('/auth/login', { email, password: PASSWORD, mode: 'token' });
  assert.equal(login.status, 200, login.text);
  return login.body as Json;
}

describe('access tokens verify independently against the JWKS', () => {
  let server: TestServer;
  let client: Client;
  let userId: string;

  before(async () => {
    server = await startTestServer();
    client = createClient(server);
    const registered = await client.post('/auth/register', { email: 'carol@example.com', password: PASSWORD });
    assert.equal(registered.status, 201, registered.text);
    userId = (registered.body as { user: { id: string } }).user.id;
  });
  after(() => server.close());

  it('verifies with node:crypto and the published key; header and claims are exactly as documented', async () => {
    const body = await tokenLogin(client, 'carol@example.com');
    assert.equal(body['token_type'], 'Bearer');
    assert.equal(body['expires_in'], 900);
    const token = body['access_token'] as string;
    assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/);

    const verified = await independentVerify(server.url, token);
    assert.ok(verified, 'the independent verifier accepts the token');
    const { header, payload } = verified;
    assert.deepEqual(Object.keys(header).sort(), ['alg', 'kid', 'typ']);
    assert.equal(header['alg'], 'EdDSA');
    assert.equal(header['typ'], 'at+jwt');
    const jwks = (await client.get('/.well-known/jwks.json')).body as { keys: Json[] };
    assert.ok(jwks.keys.some((k) => k['kid'] === header['kid']), 'kid names a published key');

    assert.deepEqual(Object.keys(payload).sort(), ['amr', 'aud', 'auth_time', 'exp', 'iat', 'iss', 'jti', 'roles', 'sid', 'sub']);
    assert.equal(payload['auth_time'], Math.floor(server.clock() / 1000), 'the login just made (step-up, OIDC seconds)');
    assert.deepEqual(payload['amr'], ['pwd']);
    assert.equal(payload['iss'], 'gatehouse');
    assert.equal(payload['aud'], 'gatehouse');
    assert.equal(payload['sub'], userId);
    for (const claim of ['jti', 'sid']) assert.ok(typeof payload[claim] === 'string' && payload[claim] !== '', claim);
    assert.ok(Array.isArray(payload['roles']) && payload['roles'].every((r) => typeof r === 'string'));
    assert.ok(Number.isInteger(payload['iat']) && Number.isInteger(payload['exp']));
    assert.equal(payload['iat'], Math.floor(server.clock() / 1000));
    assert.equal((payload['exp'] as number) - payload['iat'], 900);

    const me = await client.get('/auth/me', { headers: { authorization: `Bearer ${token}` } });
    assert.equal(me.status, 200);
    assert.equal((me.body as { auth: { sessionId: string } }).auth.sessionId, payload['sid']);
  });

  it('the independent verifier rejects a tampered token (so it is a real check)', async () => {
    const token = (await tokenLogin(client, 'carol@example.com'))['access_token'] as string;
    const [h, p, s] = token.split('.') as [string, string, string];
    const payload = JSON.parse(Buffer.from(p, 'base64url').toString()) as Json;
    const tampered = `${h}.${Buffer.from(JSON.stringify({ ...payload, roles: ['admin'] })).toString('base64url')}.${s}`;
    assert.equal(await independentVerify(server.url, tampered), null);
  });

  it('gatehouse.verifyAccessToken returns the claims for a good token and null for a tampered one', async () => {
    const token = (await tokenLogin(client, 'carol@example.com'))['access_token'] as string;
    const { gatehouse } = server.server;
    const claims = await gatehouse.verifyAccessToken(token);
    const verified = await independentVerify(server.url, token);
    assert.ok(claims && verified);
    assert.deepEqual(claims, verified.payload);
    const [h, p, s] = token.split('.') as [string, string, string];
    const other = Buffer.from(JSON.stringify({ ...verified.payload, sub: 'someone-else' })).toString('base64url');
    assert.equal(await gatehouse.verifyAccessToken(`${h}.${other}.${s}`), null);
    const flipped = Buffer.from(s, 'base64url');
    flipped[0]! ^= 1;
    assert.equal(await gatehouse.verifyAccessToken(`${h}.${p}.${flipped.toString('base64url')}`), null);
  });

  it('after a key rotation both keys are published and tokens of each verify independently', async () => {
    const start = server.clock();
    try {
      const before = (await tokenLogin(client, 'carol@example.com'))['access_token'] as string;
      const { gatehouse } = server.server;
      const rotated = await gatehouse.rotateKeys();
      server.clock.advance((gatehouse.config.keyPublishLeadSeconds + 1) * 1000);
      const afterRotation = (await tokenLogin(client, 'carol@example.com'))['access_token'] as string;
      const first = await independentVerify(server.url, before);
      const second = await independentVerify(server.url, afterRotation);
      assert.ok(first && second);
      assert.equal(second.header['kid'], rotated.kid);
      assert.notEqual(first.header['kid'], second.header['kid']);
      const jwks = (await client.get('/.well-known/jwks.json')).body as { keys: Json[] };
      assert.deepEqual(new Set(jwks.keys.map((k) => k['kid'])), new Set([first.header['kid'], second.header['kid']]));
      for (const token of [before, afterRotation]) {
        assert.equal((await client.get('/auth/me', { headers: { authorization: `Bearer ${token}` } })).status, 200);
      }
    } finally {
      server.clock.set(start);
    }
  });

  it('JWKS: public keys only, well-formed, with a bounded public max-age', async () => {
    const response = await client.get('/.well-known/jwks.json');
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    const cacheControl = response.headers.get('cache-control') ?? '';
    const directives = cacheControl.split(',').map((d) => d.trim().toLowerCase());
    assert.ok(directives.includes('public'), cacheControl);
    const maxAge = Number(/^max-age=(\d+)$/.exec(directives.find((d) => d.startsWith('max-age=')) ?? '')?.[1]);
    assert.ok(Number.isInteger(maxAge) && maxAge > 0 && maxAge <= 3600, cacheControl);
    assert.ok(!directives.includes('immutable'), 'keys rotate: the JWKS is never immutable');

    const { keys } = response.body as { keys: Json[] };
    assert.ok(keys.length >= 1);
    for (const key of keys) {
      for (const member of PRIVATE_MEMBERS) assert.ok(!(member in key), `JWKS key carries "${member}"`);
      assert.deepEqual(Object.keys(key).sort(), ['alg', 'crv', 'kid', 'kty', 'use', 'x']);
      assert.equal(key['kty'], 'OKP');
      assert.equal(key['crv'], 'Ed25519');
      assert.equal(key['alg'], 'EdDSA');
      assert.equal(key['use'], 'sig');
      assert.equal(Buffer.from(key['x'] as string, 'base64url').length, 32);
      assert.ok(typeof key['kid'] === 'string' && key['kid'].length > 0);
    }
    assert.equal(new Set(keys.map((k) => k['kid'])).size, keys.length, 'kids are unique');
    assert.ok(!/"d"\s*:/.test(response.text));
  });
});

describe('issuer, audience and TTL options reach the token', () => {
  it('a server with its own issuer, audience and access TTL issues tokens carrying them', async () => {
    const server = await startTestServer({ options: { issuer: 'https://auth.example', audience: 'orders-api', accessTtlSeconds: 300 } });
    try {
      const client = createClient(server);
      assert.equal((await client.post('/auth/register', { email: 'dave@example.com', password: PASSWORD })).status, 201);
      const body = await tokenLogin(client, 'dave@example.com');
      assert.equal(body['expires_in'], 300);
      const verified = await independentVerify(server.url, body['access_token'] as string);
      assert.ok(verified);
      assert.equal(verified.payload['iss'], 'https://auth.example');
      assert.equal(verified.payload['aud'], 'orders-api');
      assert.equal((verified.payload['exp'] as number) - (verified.payload['iat'] as number), 300);
      const me = await client.get('/auth/me', { headers: { authorization: `Bearer ${body['access_token'] as string}` } });
      assert.equal(me.status, 200);
    } finally {
      await server.close();
    }
  });
});
