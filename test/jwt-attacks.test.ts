// Over a real socket: every known attack on the JWS layer of an access token (RFC 8725) gets a 401 on
// /auth/me — alg confusion, header-supplied keys, kid injection, forged and malleated signatures, tampering,
// and the ways a token is carried. Tokens are signed with the server's own key unless the attack is the key.
// The claim-level attacks are in jwt-attacks-claims.test.ts.
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { b64, ED25519_L, segments, signWith, startJwtLab, type Json, type JwtLab } from './jwt-kit.js';

describe('JWT attacks on the JWS layer', () => {
  let lab: JwtLab;
  let keyServer: Server;
  let keyServerUrl = '';
  const keyServerHits: string[] = [];
  const attacker = generateKeyPairSync('ed25519');
  const attackerJwk = attacker.publicKey.export({ format: 'jwk' }) as Json;

  before(async () => {
    lab = await startJwtLab();
    // Serves the attacker's JWKS/certificate; any request at all is a failure of the test.
    keyServer = createServer((request, response) => {
      keyServerHits.push(request.url ?? '');
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [{ ...attackerJwk, kid: lab.kid }] }));
    });
    await new Promise<void>((resolve) => keyServer.listen(0, '127.0.0.1', resolve));
    keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
  });

  after(async () => {
    await lab.close();
    await new Promise<void>((resolve) => keyServer.close(() => resolve()));
  });

  it('control: a token minted here with the server key and genuine claims is accepted', async () => {
    await lab.accepted(lab.mint());
    await lab.accepted(lab.alice.token);
  });

  describe('alg: none', () => {
    for (const alg of ['none', 'None', 'NONE', 'nOnE']) {
      for (const signature of ['', b64('signature')]) {
        it(`alg "${alg}" with ${signature ? 'a non-empty' : 'an empty'} signature`, async () => {
          await lab.refused(`${b64(lab.header({ alg }))}.${b64(lab.claims())}.${signature}`);
        });
      }
    }
  });

  describe('HMAC with the public key as the secret (key confusion)', () => {
    const secrets: Record<string, () => Buffer | string> = {
      'the raw 32-byte x': () => Buffer.from(lab.publicJwk['x'] as string, 'base64url'),
      'the base64url x string': () => lab.publicJwk['x'] as string,
      'the JWK JSON': () => JSON.stringify(lab.publicJwk),
      'the PEM SPKI': () => lab.publicKey.export({ type: 'spki', format: 'pem' }),
      'the DER SPKI': () => lab.publicKey.export({ type: 'spki', format: 'der' }),
    };
    for (const alg of ['HS256', 'HS384', 'HS512']) {
      for (const [name, secret] of Object.entries(secrets)) {
        it(`${alg} keyed with ${name}`, async () => {
          const input = `${b64(lab.header({ alg }))}.${b64(lab.claims())}`;
          const mac = createHmac(`sha${alg.slice(2)}`, secret()).update(input).digest();
          await lab.refused(`${input}.${b64(mac)}`);
        });
      }
    }
  });

  describe('keys supplied by the token header', () => {
    it('the attacker key embedded as header jwk, signing the token', async () => {
      for (const kid of [lab.kid, 'attacker']) {
        await lab.refused(signWith(attacker.privateKey, lab.header({ kid, jwk: { ...attackerJwk, kid } }), lab.claims()));
      }
    });

    for (const member of ['jku', 'x5u']) {
      it(`${member} pointing at an attacker key server, which is never contacted`, async () => {
        for (const kid of [lab.kid, 'attacker']) {
          const url = `${keyServerUrl}/${member}/${encodeURIComponent(kid)}`;
          await lab.refused(signWith(attacker.privateKey, lab.header({ kid, [member]: url }), lab.claims()));
          await lab.refused(lab.mint(lab.header({ kid, [member]: url }))); // our key: refused for carrying it at all
        }
        assert.deepEqual(keyServerHits, []);
      });
    }

    it('x5c with junk certificates', async () => {
      await lab.refused(lab.mint(lab.header({ x5c: ['junk', b64('not a certificate')] })));
      await lab.refused(signWith(attacker.privateKey, lab.header({ x5c: ['MIIB'] }), lab.claims()));
    });

    for (const member of ['jwk', 'x5t', 'x5t#S256']) {
      it(`header ${member} is refused even on a token our own key signed`, async () => {
        const value = member === 'jwk' ? lab.publicJwk : b64('thumbprint');
        await lab.refused(lab.mint(lab.header({ [member]: value })));
      });
    }
  });

  describe('kid is untrusted input', () => {
    const kids: Record<string, () => unknown> = {
      'an unknown kid': () => 'no-such-key',
      'a path traversal kid': () => '../../etc/passwd',
      'an SQL injection kid': () => "' OR 1=1 --",
      'a very long kid': () => 'k'.repeat(1500),
      'a prototype-member kid': () => 'constructor',
      'the real kid with a trailing space': () => `${lab.kid} `,
      'a kid as a number': () => 1,
      'a kid as an object': () => ({ kid: lab.kid }),
      'a kid as null': () => null,
      'a kid as an array holding the real kid': () => [lab.kid],
    };
    for (const [name, kid] of Object.entries(kids)) {
      it(name, async () => {
        await lab.refused(lab.mint(lab.header({ kid: kid() })));
      });
    }
    it('a missing kid', async () => {
      await lab.refused(lab.mint(lab.header({ kid: undefined })));
    });
  });

  describe('signatures', () => {
    const parts = () => {
      const [header, payload, signature] = segments(lab.mint());
      return { input: `${header}.${payload}`, signature: Buffer.from(signature, 'base64url') };
    };

    it('stripped (empty)', async () => {
      await lab.refused(`${parts().input}.`);
      await lab.refused(parts().input);
    });

    it('truncated by one byte', async () => {
      const { input, signature } = parts();
      await lab.refused(`${input}.${b64(signature.subarray(0, 63))}`);
    });

    it('all-zero 64 bytes', async () => {
      await lab.refused(`${parts().input}.${b64(Buffer.alloc(64))}`);
    });

    it('non-canonical: S + L, which is the same signature modulo the group order (malleability)', async () => {
      const { input, signature } = parts();
      const s = BigInt(`0x${Buffer.from(signature.subarray(32)).reverse().toString('hex')}`);
      const malleated = s + ED25519_L;
      assert.ok(s < ED25519_L && malleated < 2n ** 256n);
      const sBytes = Buffer.from(malleated.toString(16).padStart(64, '0'), 'hex').reverse();
      const forged = Buffer.concat([signature.subarray(0, 32), sBytes]);
      assert.notDeepEqual(forged, signature);
      await lab.refused(`${input}.${b64(forged)}`);
    });

    it('one bit flipped, in R and in S', async () => {
      for (const index of [0, 40, 63]) {
        const { input, signature } = parts();
        signature[index]! ^= 1;
        await lab.refused(`${input}.${b64(signature)}`);
      }
    });

    it('from a different Ed25519 key, under the server kid', async () => {
      await lab.refused(signWith(attacker.privateKey, lab.header(), lab.claims()));
    });

    it('a valid signature over other content (spliced from another token)', async () => {
      const [header, payload] = segments(lab.mint());
      const other = segments(lab.mint(lab.header(), lab.claims({ roles: ['admin'] })));
      await lab.refused(`${header}.${payload}.${other[2]}`);
    });
  });

  describe('tampering with a signed token', () => {
    it('payload: sub changed to another user, re-encoded, signature kept', async () => {
      const claims = lab.claims();
      const [header, , signature] = segments(lab.mint(lab.header(), claims));
      await lab.refused(`${header}.${b64({ ...claims, sub: lab.bob.id })}.${signature}`);
      await lab.refused(`${header}.${b64({ ...claims, roles: ['admin'] })}.${signature}`);
    });

    it('header: a field added, or typ changed, signature kept', async () => {
      const [, payload, signature] = segments(lab.mint());
      await lab.refused(`${b64({ ...lab.header(), x: 1 })}.${payload}.${signature}`);
      await lab.refused(`${b64(lab.header({ typ: 'JWT' }))}.${payload}.${signature}`);
      // The same header JSON with whitespace: a different signing input.
      await lab.refused(`${b64(JSON.stringify(lab.header(), null, 1))}.${payload}.${signature}`);
    });
  });

  describe('how the token is carried', () => {
    for (const name of ['access_token', 'token']) {
      it(`?${name}= in the query string is never read`, async () => {
        const response = await lab.me(undefined, `/auth/me?${name}=${lab.mint()}`);
        assert.equal(response.status, 401);
      });
    }

    it('spaces around the token are allowed (one or more after the scheme)', async () => {
      const response = await lab.me(`Bearer   ${lab.mint()}  `);
      assert.equal(response.status, 200, response.text);
    });

    for (const scheme of ['bearer', 'BEARER', 'bEaReR']) {
      it(`the scheme "${scheme}" is accepted (schemes are case-insensitive)`, async () => {
        const response = await lab.me(`${scheme} ${lab.mint()}`);
        assert.equal(response.status, 200, response.text);
      });
    }

    const refusedHeaders: Record<string, () => string> = {
      'Basic credentials': () => `Basic ${Buffer.from('alice@example.com:x').toString('base64')}`,
      'Basic with the JWT': () => `Basic ${lab.mint()}`,
      '"Bearer" without a token': () => 'Bearer',
      '"Bearer " with only a space': () => 'Bearer ',
      '"Bearer a b"': () => 'Bearer a b',
      'two tokens': () => `Bearer ${lab.mint()} ${lab.mint()}`,
      'the token without a scheme': () => lab.mint(),
      'a tab for the space': () => `Bearer\t${lab.mint()}`,
      // The header parse leaves the token's characters to the verifier, which holds a JWT to its exact shape.
      'a quote after the token': () => `Bearer ${lab.mint()}"`,
      'padding after the signature': () => `Bearer ${lab.mint()}==`,
      'a comma after the token': () => `Bearer ${lab.mint()},`,
    };
    for (const [name, value] of Object.entries(refusedHeaders)) {
      it(`Authorization: ${name} is refused`, async () => {
        const response = await lab.me(value());
        assert.equal(response.status, 401, response.text);
      });
    }

    it('JWS JSON serialization (flattened object) as the header value', async () => {
      const [protectedHeader, payload, signature] = segments(lab.mint());
      const flattened = JSON.stringify({ protected: protectedHeader, payload, signature });
      const general = JSON.stringify({ payload, signatures: [{ protected: protectedHeader, signature }] });
      for (const value of [`Bearer ${flattened}`, flattened, `Bearer ${general}`, `Bearer ${b64(flattened)}`]) {
        const response = await lab.me(value);
        assert.equal(response.status, 401, value);
      }
    });

    it('a 100 KB Authorization header gets a 4xx, not a 5xx', async () => {
      const response = await fetch(`${lab.server.url}/auth/me`, { headers: { authorization: `Bearer ${'A'.repeat(100 * 1024)}` } });
      await response.arrayBuffer();
      assert.ok(response.status >= 400 && response.status < 500, `status ${response.status}`);
    });
  });

  it('the raw signature primitive really is Ed25519 over the signing input (sanity of the forger)', () => {
    const [header, payload, signature] = segments(lab.mint());
    const expected = sign(null, Buffer.from(`${header}.${payload}`), lab.privateKey).toString('base64url');
    assert.equal(signature, expected);
  });
});
