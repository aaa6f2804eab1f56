/**
 * `@bearer-guard/core/keys`: key import as the verifier does it, for tools (the CLI) that read
 * the same key formats: PEM, OpenSSH one-line keys, JWKs, HMAC secrets.
 * @packageDocumentation
 */
export { importPublicKey, importSecret } from '../keys/import-key.js';
export { isOpenSshPublicKey, parseOpenSshPublicKey } from '../keys/openssh.js';
export type { VerificationKey } from '../keys/verification-key.js';
export type { JWK } from '../keys/jwk.js';
export { SUPPORTED_ALGORITHMS } from '../algorithms.js';
export type { Algorithm } from '../algorithms.js';
