// Owns the tests of client-address grouping: one spelling per address (case, zero compression, zone ids,
// IPv4-mapped IPv6) and IPv6 counted per network of the configured prefix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { addressSubject } from './client-address.js';
import { ConfigError, resolveConfig } from './config.js';

describe('addressSubject', () => {
  it('spells one IPv6 address one way, whatever its case, zeros, zone id or brackets', () => {
    const spellings = [
      '2001:db8:1:1::1',
      '2001:DB8:1:1::1',
      '2001:0db8:0001:0001:0000:0000:0000:0001',
      '2001:db8:1:1:0:0:0:1',
      '[2001:db8:1:1::1]',
      '2001:db8:1:1::1%eth0',
      ' 2001:db8:1:1::1 ',
    ];
    for (const text of spellings) assert.equal(addressSubject(text, 128), '2001:db8:1:1::1', text);
  });

  it('takes an IPv4-mapped IPv6 address, dotted or hex, as the IPv4 address', () => {
    for (const text of ['::ffff:192.0.2.1', '::FFFF:192.0.2.1', '::ffff:c000:201', '0:0:0:0:0:ffff:c000:0201']) {
      assert.equal(addressSubject(text, 64), '192.0.2.1', text);
      assert.equal(addressSubject(text, 128), '192.0.2.1', text);
    }
    assert.equal(addressSubject('192.0.2.1', 64), '192.0.2.1', 'IPv4 is never grouped');
    assert.notEqual(addressSubject('192.0.2.2', 64), addressSubject('192.0.2.1', 64));
  });

  it('groups IPv6 by the prefix: the whole /64 is one client by default', () => {
    const subjects = new Set(['2001:db8:1:1::1', ...[2, 3, 4, 5, 6, 7, 8, 9].map((n) => `2001:db8:1:1::${n}`), '2001:db8:1:1:ffff:ffff:ffff:ffff']
      .map((ip) => addressSubject(ip, 64)));
    assert.deepEqual([...subjects], ['2001:db8:1:1::/64']);
    assert.notEqual(addressSubject('2001:db8:1:2::1', 64), addressSubject('2001:db8:1:1::1', 64), 'the next /64');
    assert.equal(addressSubject('2001:db8:1:1::1', 48), '2001:db8:1::/48');
    assert.equal(addressSubject('2001:db8:1:ff80::1', 57), '2001:db8:1:ff80::/57', 'a prefix inside a group');
    assert.equal(addressSubject('2001:db8:1:ff7f::1', 57), '2001:db8:1:ff00::/57');
    assert.equal(addressSubject('2001:db8:1:1::1', 32), '2001:db8::/32');
    assert.equal(addressSubject('2001:db8:1:1::1', 128), '2001:db8:1:1::1', '128: every address alone');
  });

  it('keeps anything that is not an address as given, and no address as "unknown"', () => {
    assert.equal(addressSubject(null, 64), 'unknown');
    assert.equal(addressSubject('', 64), 'unknown');
    assert.equal(addressSubject('not-an-ip', 64), 'not-an-ip');
  });
});

describe('GATEHOUSE_RATE_LIMIT_IPV6_PREFIX', () => {
  it('defaults to 64 and takes 32..128 from the environment or a flag', () => {
    assert.equal(resolveConfig().rateLimitIpv6Prefix, 64);
    assert.equal(resolveConfig({ env: { GATEHOUSE_RATE_LIMIT_IPV6_PREFIX: '56' } }).rateLimitIpv6Prefix, 56);
    assert.equal(resolveConfig({ argv: ['--rate-limit-ipv6-prefix', '128'] }).rateLimitIpv6Prefix, 128);
    for (const bad of ['31', '129', '64.5', 'x']) {
      assert.throws(() => resolveConfig({ env: { GATEHOUSE_RATE_LIMIT_IPV6_PREFIX: bad } }), (error) =>
        error instanceof ConfigError && /GATEHOUSE_RATE_LIMIT_IPV6_PREFIX: must be a whole number from 32 to 128/.test(error.message));
    }
  });
});
