// Owns the peers' EdDSA material: an Ed25519 key pair made at start and one access token shaped like
// Gatehouse's (same header and claims), signed with node:crypto so both JWT peers verify the same bytes.
import { generateKeyPairSync, sign } from 'node:crypto';

export const ISSUER = 'gatehouse';
export const AUDIENCE = 'gatehouse';

export const { publicKey, privateKey } = generateKeyPairSync('ed25519');

const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function signToken(userId: string, ttlSeconds = 3600): string {
  const iat = Math.floor(Date.now() / 1000);
  const header = part({ alg: 'EdDSA', kid: 'bench', typ: 'at+jwt' });
  const payload = part({ iss: ISSUER, aud: AUDIENCE, sub: userId, iat, exp: iat + ttlSeconds, jti: 'j1', sid: 's1', roles: [] });
  const signature = sign(null, Buffer.from(`${header}.${payload}`), privateKey).toString('base64url');
  return `${header}.${payload}.${signature}`;
}
