// Owns the canonical form of an email address: the one key every entry point (register, login, lookups)
// uses, so that visually or case-different spellings of one address meet and distinct ones never do.

const MAX_EMAIL_LENGTH = 254;
const MAX_LOCAL_LENGTH = 64;
/** Whitespace, controls, invisible format characters (zero-width joiners, bidi overrides) and RFC 5322 specials. */
const FORBIDDEN_IN_LOCAL = /[\s\p{Cc}\p{Cf}\p{Co}\p{Cn}@<>()[\]\\,;:"]/u;
const ASCII_DOMAIN = /^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/**
 * Trims, applies NFKC, lower-cases the local part with the locale-independent `toLowerCase` (never an
 * upper-casing comparison, which would fold a dotless `ı` onto `i`), and converts the domain to its
 * IDNA ASCII form. Look-alikes from other scripts stay distinct code points, hence distinct accounts.
 * Returns null for anything that is not a plausible address.
 */
export function canonicalEmail(input: string): string | null {
  const normalized = input.trim().normalize('NFKC');
  if (normalized.length > MAX_EMAIL_LENGTH) return null;
  const at = normalized.lastIndexOf('@');
  if (at <= 0 || at === normalized.length - 1) return null;
  const local = normalized.slice(0, at).toLowerCase();
  const domain = toAsciiDomain(normalized.slice(at + 1));
  if (local.length > MAX_LOCAL_LENGTH || FORBIDDEN_IN_LOCAL.test(local)) return null;
  if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return null;
  if (domain === null || !ASCII_DOMAIN.test(domain)) return null;
  // Checked again on the result: punycode can make an IDN domain much longer than it was typed.
  const canonical = `${local}@${domain}`;
  return canonical.length > MAX_EMAIL_LENGTH ? null : canonical;
}

function toAsciiDomain(domain: string): string | null {
  if (FORBIDDEN_IN_LOCAL.test(domain)) return null;
  try {
    // URL's host parser applies UTS #46 (IDNA) mapping and punycode, and lower-cases.
    const host = new URL(`http://${domain}/`).hostname;
    return host.endsWith('.') ? host.slice(0, -1) : host;
  } catch {
    return null;
  }
}
