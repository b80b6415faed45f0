// Owns where passkeys may be used (SPEC §6): the WebAuthn relying party of a request — its RP id (GATEHOUSE_RP_ID;
// by default the host of GATEHOUSE_PUBLIC_URL, else of the origin the request came to) and the origins whose pages
// may sign with its passkeys: the site's own, plus those of GATEHOUSE_ALLOWED_ORIGINS that sit on the RP id's domain.
// Allowed origins are already trusted to sign users in with a password through this API (CORS and CSRF accept
// them), so a passkey may do the same; a browser would refuse the others' pages the RP id anyway.
import type { GatehouseConfig } from './config.js';
import { GatehouseError } from './errors.js';

export interface RelyingParty {
  id: string;
  name: string;
  /** Exact origins (scheme://host[:port]) a signed clientDataJSON may name. */
  origins: string[];
}

const hostOf = (origin: string) => new URL(origin).hostname;
const onDomain = (host: string, rpId: string) => host === rpId || host.endsWith(`.${rpId}`);

/**
 * The relying party for a request that came to `requestOrigin` (the server's own origin as the HTTP layer saw it;
 * used only when GATEHOUSE_PUBLIC_URL is not set). Throws `invalid_request` when no origin can use the RP id.
 */
export function relyingParty(
  config: Pick<GatehouseConfig, 'rpId' | 'rpName' | 'publicUrl' | 'allowedOrigins'>,
  requestOrigin: string | null,
): RelyingParty {
  const own = config.publicUrl !== null ? new URL(config.publicUrl).origin : requestOrigin;
  const id = config.rpId ?? (own === null ? null : hostOf(own));
  if (id === null) {
    throw new GatehouseError('invalid_request', 'Passkeys need the site\'s origin: send Origin, or set GATEHOUSE_PUBLIC_URL or GATEHOUSE_RP_ID.');
  }
  const origins = [...new Set([...(own === null ? [] : [own]), ...config.allowedOrigins])].filter((origin) => onDomain(hostOf(origin), id));
  if (origins.length === 0) {
    throw new GatehouseError('invalid_request', `No origin of this site may use passkeys of ${id}: check GATEHOUSE_RP_ID and GATEHOUSE_PUBLIC_URL.`);
  }
  return { id, name: config.rpName, origins };
}
