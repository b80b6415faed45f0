// Over a real socket: claim-level attacks on access tokens signed with the server's own key — wrong issuer
// or audience, time (expiry with its 5 s tolerance, nbf, iat from the future, over-long life), crit, size,
// claim type confusion and typ. Each gets a 401 on /auth/me; only the claim under test differs from a token
// that passes. The JWS-layer attacks are in jwt-attacks.test.ts.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { signWith, startJwtLab, type Json, type JwtLab } from './jwt-kit.js';

describe('JWT attacks on the claims', () => {
  let lab: JwtLab;
  before(async () => {
    lab = await startJwtLab();
  });
  after(() => lab.close());

  /** Runs `fn` with the server clock moved forward by `ms`, then puts it back. */
  async function later(ms: number, fn: () => Promise<void>): Promise<void> {
    const start = lab.server.clock();
    lab.server.clock.advance(ms);
    try {
      await fn();
    } finally {
      lab.server.clock.set(start);
    }
  }

  it('control: a token with the same claims, minted with the server key, is accepted', async () => {
    await lab.accepted(lab.mint());
  });

  describe('issuer and audience', () => {
    it('wrong iss', async () => {
      await lab.refused(lab.mint(lab.header(), lab.claims({ iss: 'https://evil.example' })));
    });
    it('iss missing', async () => {
      await lab.refused(lab.mint(lab.header(), lab.claims({ iss: undefined })));
    });
    it('wrong aud', async () => {
      await lab.refused(lab.mint(lab.header(), lab.claims({ aud: 'another-service' })));
    });
    it('aud as an array holding the right audience and another one', async () => {
      await lab.refused(lab.mint(lab.header(), lab.claims({ aud: ['gatehouse', 'another-service'] })));
    });
    it('aud missing', async () => {
      await lab.refused(lab.mint(lab.header(), lab.claims({ aud: undefined })));
    });
  });

  describe('time', () => {
    it('expired beyond the 5 s tolerance', async () => {
      const token = lab.mint();
      await later(906_000, () => lab.refused(token));
    });

    it('expired 3 s ago, within the tolerance, still passes', async () => {
      const token = lab.mint();
      await later(903_000, () => lab.accepted(token));
    });

    it('nbf in the future beyond the tolerance', async () => {
      const now = Math.floor(lab.server.clock() / 1000);
      await lab.refused(lab.mint(lab.header(), lab.claims({ nbf: now + 60 })));
      await lab.accepted(lab.mint(lab.header(), lab.claims({ nbf: now + 3 })));
    });

    it('iat in the future beyond the tolerance', async () => {
      const now = Math.floor(lab.server.clock() / 1000);
      await lab.refused(lab.mint(lab.header(), lab.claims({ iat: now + 60, exp: now + 600 })));
      await lab.refused(lab.mint(lab.header(), lab.claims({ iat: now + 6, exp: now + 600 })));
      await lab.accepted(lab.mint(lab.header(), lab.claims({ iat: now + 5, exp: now + 600 })));
    });

    it('exp - iat longer than the access TTL (900 s)', async () => {
      const now = Math.floor(lab.server.clock() / 1000);
      await lab.refused(lab.mint(lab.header(), lab.claims({ exp: now + 901 })));
      await lab.refused(lab.mint(lab.header(), lab.claims({ exp: now + 10 * 365 * 86_400 })));
      // A token that started long ago and is still "current": only the lifetime gives it away.
      await lab.refused(lab.mint(lab.header(), lab.claims({ iat: now - 86_400, exp: now + 600 })));
    });

    it('exp not after iat', async () => {
      const now = Math.floor(lab.server.clock() / 1000);
      await lab.refused(lab.mint(lab.header(), lab.claims({ iat: now, exp: now })));
    });
  });

  describe('crit', () => {
    it("crit: ['exp'] (an extension we do not understand)", async () => {
      const exp = Math.floor(lab.server.clock() / 1000) + 900;
      await lab.refused(lab.mint(lab.header({ crit: ['exp'], exp }), lab.claims({ exp })));
    });

    it("crit: ['b64'] with b64: false (unencoded payload)", async () => {
      // The signing input of an unencoded payload here is byte-for-byte the usual one, so the signature is valid.
      await lab.refused(lab.mint(lab.header({ b64: false, crit: ['b64'] })));
    });

    it('crit empty or not an array', async () => {
      await lab.refused(lab.mint(lab.header({ crit: [] })));
      await lab.refused(lab.mint(lab.header({ crit: 'exp' })));
    });
  });

  describe('size', () => {
    it('a validly signed 10 KB token (padded claim) is refused, fast', async () => {
      const token = lab.mint(lab.header(), lab.claims({ pad: 'A'.repeat(10_000) }));
      assert.ok(token.length > 10_000);
      const started = performance.now();
      await lab.refused(token);
      assert.ok(performance.now() - started < 1000, 'refused without heavy work');
    });

    it('just over 4 KiB is refused; a large token under the bound passes', async () => {
      const pad = (n: number) => lab.mint(lab.header(), lab.claims({ pad: 'A'.repeat(n) }));
      const base = lab.mint().length;
      // Each 3 bytes of claim become 4 characters; aim just above and just below 4096.
      const over = pad(Math.ceil(((4097 - base) * 3) / 4) + 12);
      const under = pad(Math.floor(((4096 - base) * 3) / 4) - 12);
      assert.ok(over.length > 4096 && under.length <= 4096, `${over.length} ${under.length}`);
      await lab.refused(over);
      await lab.accepted(under);
    });
  });

  describe('claim type confusion', () => {
    const cases: Record<string, (lab: JwtLab) => Json> = {
      'sub as a number': () => ({ sub: 1 }),
      'sub as an empty string': () => ({ sub: '' }),
      'sub missing': () => ({ sub: undefined }),
      'sub as an array holding the user id': (l) => ({ sub: [l.alice.id] }),
      "roles as the string 'admin'": () => ({ roles: 'admin' }),
      'roles containing a non-string': () => ({ roles: ['user', 1] }),
      'roles containing an object': () => ({ roles: [{ admin: true }] }),
      'roles missing': () => ({ roles: undefined }),
      'jti missing': () => ({ jti: undefined }),
      'jti empty': () => ({ jti: '' }),
      'sid missing': () => ({ sid: undefined }),
      'sid as a number': () => ({ sid: 1 }),
      'iat as a string': () => ({ iat: String(Math.floor(lab.server.clock() / 1000)) }),
      'iat fractional': () => ({ iat: Math.floor(lab.server.clock() / 1000) + 0.5 }),
      'iat missing': () => ({ iat: undefined }),
      "exp as the string '9999999999'": () => ({ exp: '9999999999' }),
      'exp missing': () => ({ exp: undefined }),
      'exp as null': () => ({ exp: null }),
    };
    for (const [name, overrides] of Object.entries(cases)) {
      it(name, async () => {
        await lab.refused(lab.mint(lab.header(), lab.claims(overrides(lab))));
      });
    }

    it('a payload that is not a JSON object', async () => {
      for (const payload of [[lab.claims()], 42, null, JSON.stringify(JSON.stringify(lab.claims()))]) {
        await lab.refused(signWith(lab.privateKey, lab.header(), payload));
      }
      await lab.refused(signWith(lab.privateKey, lab.header(), 'not json'));
      await lab.refused(signWith(lab.privateKey, lab.header(), JSON.stringify(lab.claims()).slice(0, -1)));
    });
  });

  describe('typ', () => {
    it("typ 'JWT'", async () => {
      await lab.refused(lab.mint(lab.header({ typ: 'JWT' })));
    });
    it('typ missing', async () => {
      await lab.refused(lab.mint(lab.header({ typ: undefined })));
    });
    it('typ of another kind of token', async () => {
      for (const typ of ['id_token+jwt', 'secevent+jwt', 'at+jwt ', 1]) await lab.refused(lab.mint(lab.header({ typ })));
    });
  });
});
