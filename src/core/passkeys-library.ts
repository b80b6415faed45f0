// Owns loading the WebAuthn library (@simplewebauthn/server) for passkeys: imported on the first passkey request,
// not when the engine is, so `import 'gatehouse'` and a deployment that never sees a passkey do not pay for it (it
// brings an ASN.1 and X.509 stack along). test/exports.test.ts checks that no entry loads it at import time.
import type * as SimpleWebAuthn from '@simplewebauthn/server';
import { loadOptional } from './optional-dependency.js';

export type WebAuthnLibrary = typeof SimpleWebAuthn;

let loading: Promise<WebAuthnLibrary> | undefined;

/** The library, imported once per process; a failed import is tried again on the next call. */
export function loadWebAuthn(): Promise<WebAuthnLibrary> {
  loading ??= loadOptional('@simplewebauthn/server', 'Passkeys', () => import('@simplewebauthn/server')).catch((error: unknown) => {
    loading = undefined;
    throw error;
  });
  return loading;
}
