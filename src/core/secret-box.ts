// Owns what is derived from GATEHOUSE_SECRET: sub-keys by HKDF-SHA256 (one per purpose), and authenticated
// encryption at rest (AES-256-GCM, bound to a context such as the key id) for signing keys.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SecretBox {
  /** A 32-byte sub-key for `purpose`; different purposes never share key material. */
  subKey(purpose: string): Buffer;
  /** base64url(iv | tag | ciphertext); `context` must be given again to open it. */
  seal(plaintext: Uint8Array, context: string): string;
  /** Throws when the ciphertext was altered, the context differs, or the secret is not the one that sealed it. */
  open(sealed: string, context: string): Buffer;
}

export function createSecretBox(secret: string): SecretBox {
  const subKey = (purpose: string) => Buffer.from(hkdfSync('sha256', secret, 'gatehouse', purpose, 32));
  const encryptionKey = subKey('signing-key-encryption v1');
  return {
    subKey,
    seal(plaintext, context) {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', encryptionKey, iv);
      cipher.setAAD(Buffer.from(context));
      const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]).toString('base64url');
    },
    open(sealed, context) {
      const bytes = Buffer.from(sealed, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', encryptionKey, bytes.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
    },
  };
}
