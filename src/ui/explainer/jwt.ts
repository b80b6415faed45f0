// Owns reading a JWT for display: its header and claims decoded (not verified: the server verifies; this only
// shows what any script holding the token can read).
export interface DecodedJwt {
  header: Record<string, unknown>;
  claims: Record<string, unknown>;
}

function part(segment: string | undefined): Record<string, unknown> {
  if (!segment) return {};
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const bytes = Uint8Array.from(atob(base64 + '='.repeat((4 - (base64.length % 4)) % 4)), (c) => c.charCodeAt(0));
  const value = JSON.parse(new TextDecoder().decode(bytes)) as unknown;
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
}

export function decodeJwt(token: string): DecodedJwt | null {
  try {
    const [header, claims] = token.split('.');
    return { header: part(header), claims: part(claims) };
  } catch {
    return null;
  }
}

/** A claim for display: times (iat, exp, auth_time) as ISO dates beside the number. */
export function showClaim(name: string, value: unknown): string {
  if (typeof value === 'number' && ['iat', 'exp', 'nbf', 'auth_time'].includes(name)) return `${value} (${new Date(value * 1000).toISOString()})`;
  return typeof value === 'string' ? value : JSON.stringify(value);
}
