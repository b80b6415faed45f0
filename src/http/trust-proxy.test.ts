// The trusted-proxy rule of adapters without their own (Hono): proxy-addr's walk over X-Forwarded-For, with
// GATEHOUSE_TRUST_PROXY's syntax, and the spoofs it must not believe.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError } from '../core/option-table.js';
import { clientAddress, trustedProxies } from './trust-proxy.js';

describe('trusted proxies', () => {
  it('match addresses, CIDRs and the keywords, an IPv4-mapped peer as its IPv4 address', () => {
    const trusted = trustedProxies(['loopback', '10.1.0.0/16', '2001:db8::/32', '198.51.100.7', '::ffff:192.0.2.0/120']);
    for (const address of ['127.0.0.1', '127.9.9.9', '::1', '::ffff:127.0.0.1', '10.1.200.3', '2001:db8:5::1', '198.51.100.7', '192.0.2.77', '::ffff:c000:24d']) {
      assert.equal(trusted(address), true, address);
    }
    for (const address of ['10.2.0.1', '198.51.100.8', '2001:db9::1', '::2', 'not-an-ip', '', '::ffff:10.2.0.1']) {
      assert.equal(trusted(address), false, address);
    }
  });

  it('never match an IPv4 address against an IPv6 range, nor the other way round', () => {
    assert.equal(trustedProxies(['::/1'])('1.2.3.4'), false);
    assert.equal(trustedProxies(['0.0.0.0/1'])('::1'), false);
  });

  it('refuse bad entries at construction, all named in one ConfigError', () => {
    assert.throws(() => trustedProxies(['10.0.0.0/33', 'proxy.example', '1.2.3.4/8/1', '::/0', 'constructor']), (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.equal(error.problems.length, 5);
      return true;
    });
  });
});

describe('the client address', () => {
  const trusted = trustedProxies(['loopback', '10.0.0.0/8']);

  it('is the peer when no proxy is trusted or the peer is not one: a spoofed X-Forwarded-For is ignored', () => {
    assert.equal(clientAddress('203.0.113.5', '198.51.100.1', null), '203.0.113.5');
    assert.equal(clientAddress('127.0.0.1', '198.51.100.1', null), '127.0.0.1');
    assert.equal(clientAddress('203.0.113.5', '198.51.100.1', trusted), '203.0.113.5');
  });

  it('is the entry the last trusted proxy appended, read right to left; what the client wrote before it is ignored', () => {
    assert.equal(clientAddress('127.0.0.1', '198.51.100.1', trusted), '198.51.100.1');
    // The client sent "X-Forwarded-For: 1.1.1.1"; the proxy at 10.0.0.2 appended the client's address.
    assert.equal(clientAddress('127.0.0.1', '1.1.1.1, 203.0.113.9, 10.0.0.2', trusted), '203.0.113.9');
    assert.equal(clientAddress('127.0.0.1', ' 1.1.1.1 ,203.0.113.9,,', trusted), '203.0.113.9');
    assert.equal(clientAddress('127.0.0.1', '10.0.0.3, 10.0.0.2', trusted), '10.0.0.3', 'all trusted: the leftmost');
    assert.equal(clientAddress('127.0.0.1', '', trusted), '127.0.0.1');
    assert.equal(clientAddress('127.0.0.1', undefined, trusted), '127.0.0.1');
  });
});
