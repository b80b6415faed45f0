// Owns reading what the browser sends back from a passkey ceremony (the credential's JSON, as navigator.credentials
// and @simplewebauthn/browser give it): its shape checked before any verification, so a malformed body is a 400 and
// the WebAuthn library only ever sees well-formed input, and the few fields read before it (the challenge, the
// credential id, the user handle, the transports).
import { GatehouseError } from './errors.js';

export const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;
export type Transport = (typeof TRANSPORTS)[number];

/** Credential ids are at most 1023 bytes (WebAuthn §5.8.3); base64url, that is 1364 characters. */
const ID = /^[A-Za-z0-9_-]{1,1364}$/;
const BASE64URL = /^[A-Za-z0-9_-]*={0,2}$/;
const FIELD_MAX = 64 * 1024;

export interface CredentialResponse {
  /** The whole credential, checked in shape, for the library. */
  json: Record<string, unknown>;
  /** The credential id (base64url). */
  id: string;
  /** clientDataJSON's challenge (base64url), as the browser signed it. */
  challenge: string;
  /** Registration: how the browser may reach the authenticator (known names only). */
  transports: Transport[];
  /** Sign-in: the user handle a discoverable credential returns (base64url), or null. */
  userHandle: string | null;
}

const malformed = () => new GatehouseError('invalid_request', 'response must be the credential the browser returned (WebAuthn JSON).');

function field(object: Record<string, unknown>, name: string, optional = false): string | undefined {
  const value = object[name];
  if ((value === undefined || value === null) && optional) return undefined;
  if (typeof value !== 'string' || value.length > FIELD_MAX || !BASE64URL.test(value)) throw malformed();
  return value;
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Checks a registration (`attestationObject`) or sign-in (`signature`) credential; throws `invalid_request`. */
export function parseCredentialResponse(value: unknown, kind: 'attestationObject' | 'signature'): CredentialResponse {
  if (!isObject(value) || !isObject(value['response'])) throw malformed();
  const { id, rawId, type } = value;
  if (typeof id !== 'string' || !ID.test(id) || rawId !== id || type !== 'public-key') throw malformed();
  const inner = value['response'];
  const clientData = field(inner, 'clientDataJSON') ?? '';
  field(inner, kind);
  if (kind === 'signature') field(inner, 'authenticatorData');
  const userHandle = kind === 'signature' ? (field(inner, 'userHandle', true) ?? null) : null;
  let challenge: unknown;
  try {
    challenge = (JSON.parse(Buffer.from(clientData, 'base64url').toString('utf8')) as { challenge?: unknown } | null)?.challenge;
  } catch {
    throw malformed();
  }
  if (typeof challenge !== 'string') throw malformed();
  const reported = Array.isArray(inner['transports']) ? (inner['transports'] as unknown[]) : [];
  const transports = TRANSPORTS.filter((t) => reported.includes(t));
  const extensions = isObject(value['clientExtensionResults']) ? value['clientExtensionResults'] : {};
  return { json: { ...value, clientExtensionResults: extensions }, id, challenge, transports, userHandle };
}
