// Owns which address a request came from behind proxies, for adapters whose framework has no such setting
// (Hono): the peer's address, or — while each hop is a trusted proxy — the X-Forwarded-For entry it appended,
// read right to left. The rule is proxy-addr's, which Fastify's `trustProxy` and Express's `trust proxy`
// apply, over GATEHOUSE_TRUST_PROXY's syntax: IP addresses, CIDRs, `loopback`, `linklocal`, `uniquelocal`.
// By default no proxy is trusted, so a spoofed header cannot dodge a per-address limit.
import { BlockList, isIP } from 'node:net';
import { ConfigError } from '../core/option-table.js';
import { addressSubject } from '../core/client-address.js';

const KEYWORDS: ReadonlyMap<string, readonly string[]> = new Map([
  ['loopback', ['127.0.0.1/8', '::1/128']],
  ['linklocal', ['169.254.0.0/16', 'fe80::/10']],
  ['uniquelocal', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7']],
]);

/** Whether an address (as a socket or a header gives it) is a trusted proxy. */
export type TrustedProxy = (address: string) => boolean;

type Family = 'ipv4' | 'ipv6';

/** One spelling: an IPv4-mapped IPv6 address as IPv4, IPv6 lower-case and compressed, no zone id. */
function canonical(address: string): { address: string; family: Family } | null {
  const text = addressSubject(address, 128);
  const version = isIP(text);
  return version === 0 ? null : { address: text, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** Adds one address or CIDR to the list of its family; the problem with it, if any. */
function addRange(lists: Record<Family, BlockList>, range: string): string | undefined {
  const [text = '', bits, extra] = range.split('/');
  const ip = extra === undefined && isIP(text) !== 0 ? canonical(text) : null;
  if (ip === null) return 'is not an IP address, CIDR, or loopback/linklocal/uniquelocal';
  if (bits === undefined) {
    lists[ip.family].addAddress(ip.address, ip.family);
    return undefined;
  }
  // An IPv4-mapped range (::ffff:10.0.0.0/104) is the IPv4 range it maps, as proxy-addr reads it.
  const mapped = isIP(text) === 6 && ip.family === 'ipv4';
  const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) - (mapped ? 96 : 0) : NaN;
  if (!(prefix >= 1 && prefix <= (ip.family === 'ipv4' ? 32 : 128))) return 'has an invalid prefix length';
  lists[ip.family].addSubnet(ip.address, prefix, ip.family);
  return undefined;
}

/** The trust test for these proxies; a ConfigError naming every bad entry. */
export function trustedProxies(entries: readonly string[]): TrustedProxy {
  const lists: Record<Family, BlockList> = { ipv4: new BlockList(), ipv6: new BlockList() };
  const problems: string[] = [];
  for (const entry of entries) {
    for (const range of KEYWORDS.get(entry) ?? [entry]) {
      const problem = addRange(lists, range);
      if (problem) problems.push(`trustProxy: ${JSON.stringify(entry)} ${problem}`);
    }
  }
  if (problems.length > 0) throw new ConfigError(problems);
  // Each family against its own list: Node's BlockList would match an IPv4 address against an IPv6 range.
  return (address) => {
    const ip = canonical(address);
    return ip !== null && lists[ip.family].check(ip.address, ip.family);
  };
}

/**
 * The client's address: `peer` (the socket's), or, while the address reached so far is a trusted proxy, the
 * next X-Forwarded-For entry from the right (the one that proxy appended). Entries left of the first
 * untrusted hop were written by the client and are never read.
 */
export function clientAddress(peer: string, forwardedFor: string | undefined, trusted: TrustedProxy | null): string {
  if (trusted === null || forwardedFor === undefined) return peer;
  const hops = forwardedFor.split(',').map((hop) => hop.trim()).filter((hop) => hop !== '');
  let address = peer;
  for (let i = hops.length - 1; i >= 0 && trusted(address); i--) address = hops[i] ?? address;
  return address;
}
