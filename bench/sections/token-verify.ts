// Owns the in-process access-token comparison: Gatehouse's verifyAccessToken (signature, claims and
// revocation) on tokens it has never seen and on one token seen over and over, against raw node:crypto
// Ed25519 verification of the same bytes and jose's jwtVerify. One engine on the memory store.
import { createPublicKey, verify } from 'node:crypto';
import { importJWK, jwtVerify } from 'jose';
import { createGatehouse } from '../../src/core/engine.js';
import type { Gatehouse, Principal } from '../../src/core/gatehouse.js';
import { createMemoryStore } from '../../src/stores/memory/index.js';
import { runRounds } from '../lib/cases.js';
import { PASSWORD } from '../lib/gatehouse.js';
import { log, type BenchOptions } from '../lib/options.js';
import type { Row } from '../lib/results.js';
import { timed } from '../lib/timing.js';

/** The login's session or family (the benchmark user has no second factor). */
const opened = <R extends object>(result: R): Exclude<R, { mfaRequired: true }> => {
  if ('mfaRequired' in result) throw new Error('unexpected second-factor step');
  return result as Exclude<R, { mfaRequired: true }>;
};

export const RAW_VERIFY = 'in-process: Ed25519 verify, raw node:crypto';

/** Signs `count` distinct access tokens (distinct jti) for one session, through the public exchange API. */
async function mint(gatehouse: Gatehouse, principal: Principal, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) tokens.push((await gatehouse.exchange(principal)).accessToken);
  return tokens;
}

export async function tokenVerifyRows(options: BenchOptions): Promise<Row[]> {
  const gatehouse = await createGatehouse({ store: createMemoryStore(), options: { modes: ['session', 'token'] } });
  const context = { ip: '127.0.0.1', userAgent: 'bench' };
  await gatehouse.register({ email: 'verify@bench.example', password: PASSWORD }, context);
  const { session } = opened(await gatehouse.login({ email: 'verify@bench.example', password: PASSWORD }, context));
  const principal = await gatehouse.authenticateSession(session.token);
  if (!principal) throw new Error('could not authenticate the benchmark session');

  const jwk = gatehouse.jwks().keys[0];
  if (!jwk) throw new Error('the engine published no key');
  const publicKey = createPublicKey({ key: jwk, format: 'jwk' });
  const joseKey = await importJWK(jwk, 'EdDSA');
  const { issuer, audience } = gatehouse.config;

  // Enough never-seen tokens for a whole measurement at several times raw speed; a faster verifier stops
  // when the pool runs out, which shortens its measurement but keeps it first-sight.
  const poolSize = options.quick ? 4_000 : 30_000;
  let pool: string[] = [];
  const at = (i: number) => pool[i % pool.length] as string;
  const seconds = options.inProcessSeconds;

  const rawVerify = (token: string) => {
    const dot = token.lastIndexOf('.');
    return verify(null, Buffer.from(token.slice(0, dot)), publicKey, Buffer.from(token.slice(dot + 1), 'base64url'));
  };

  return runRounds(
    [
      { name: RAW_VERIFY, baseline: null, measure: () => timed((i) => rawVerify(at(i)), { seconds }) },
      {
        name: 'in-process: jose jwtVerify, EdDSA',
        baseline: RAW_VERIFY,
        measure: () => timed((i) => jwtVerify(at(i), joseKey, { algorithms: ['EdDSA'], issuer, audience }), { seconds }),
      },
      {
        name: 'in-process: Gatehouse verifyAccessToken, first sight',
        baseline: RAW_VERIFY,
        measure: () => timed((i) => gatehouse.verifyAccessToken(at(i)), { seconds, maxOps: pool.length }),
      },
      {
        name: 'in-process: Gatehouse verifyAccessToken, repeat',
        baseline: RAW_VERIFY,
        measure: () => timed(() => gatehouse.verifyAccessToken(at(0)), { seconds }),
      },
    ],
    options.rounds,
    async () => {
      log(`  minting ${poolSize} never-seen tokens…`);
      pool = await mint(gatehouse, principal, poolSize);
    },
  );
}
