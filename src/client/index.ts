// Owns the public surface of `gatehouse/client`, the browser client (SPEC §8): an ES module with no dependencies that
// runs as-is from a `<script type="module">` (dist/client/index.js) or through a bundler.
export { createClient } from './client.js';
export { GatehouseClientError } from './errors.js';
export type {
  AuthProof,
  ChannelLike,
  ClientOptions,
  FetchLike,
  GatehouseClient,
  LockManagerLike,
  MfaRequired,
  Mode,
  SessionInfo,
  StorageLike,
  TotpSetup,
  User,
} from './types.js';
