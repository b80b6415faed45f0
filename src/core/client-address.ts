// Owns how a client address becomes a rate-limit subject: the address text canonicalised (case, zero
// compression, zone id, IPv4-mapped IPv6 as IPv4) and IPv6 grouped by prefix, since one client usually holds
// a whole /64 and could otherwise take a fresh address for every attempt.
import { isIPv6 } from 'node:net';

/**
 * The subject per-address limits count under: the IPv4 address (an IPv4-mapped IPv6 address included), or
 * the IPv6 network of `ipv6PrefixBits` in one spelling (`2001:db8:1:1::/64`; at 128 the address, lower-case
 * and compressed). Other text is used as given; no address is `unknown`.
 */
export function addressSubject(ip: string | null, ipv6PrefixBits: number): string {
  if (ip === null || ip.trim() === '') return 'unknown';
  const groups = ipv6Groups(ip);
  if (groups === null) return ip.trim();
  const ipv4 = mappedIpv4(groups);
  if (ipv4 !== null) return ipv4;
  if (ipv6PrefixBits >= 128) return formatIpv6(groups);
  const masked = groups.map((group, i) => {
    const keep = Math.min(16, Math.max(0, ipv6PrefixBits - i * 16));
    return group & ((0xffff << (16 - keep)) & 0xffff);
  });
  return `${formatIpv6(masked)}/${ipv6PrefixBits}`;
}

/** The eight 16-bit groups of an IPv6 address (brackets and zone id dropped), or null for anything else. */
function ipv6Groups(text: string): number[] | null {
  const bare = text.trim().replace(/^\[(.*)\]$/, '$1').replace(/%.*$/, '');
  if (!isIPv6(bare)) return null;
  // URL canonicalisation turns an embedded dotted quad into hex and lower-cases; then only `::` is left to expand.
  const hostname = new URL(`http://[${bare}]`).hostname.slice(1, -1);
  const [head = '', tail] = hostname.split('::');
  const parse = (part: string) => (part === '' ? [] : part.split(':').map((g) => parseInt(g, 16)));
  const front = parse(head);
  const back = tail === undefined ? [] : parse(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function mappedIpv4(groups: number[]): string | null {
  if (!groups.slice(0, 5).every((g) => g === 0) || groups[5] !== 0xffff) return null;
  const [high = 0, low = 0] = groups.slice(6);
  return `${high >> 8}.${high & 0xff}.${low >> 8}.${low & 0xff}`;
}

function formatIpv6(groups: number[]): string {
  return new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]`).hostname.slice(1, -1);
}
