/**
 * bearer-guard command line, for programmatic use: each command as a function.
 * The executable is `bearer-guard` (see `cli.ts`).
 * @packageDocumentation
 */
export { run, programHelp } from './run.js';
export { keygen, KEYGEN_ALGORITHMS } from './commands/keygen.js';
export type { KeygenOptions, KeygenResult } from './commands/keygen.js';
export { jwks, toJWKS } from './commands/jwks.js';
export type { JWKSOptions } from './commands/jwks.js';
export { sign, parseClaim } from './commands/sign.js';
export type { SignOptions } from './commands/sign.js';
export { inspect } from './commands/inspect.js';
export type { InspectReport, InspectWarning, TimeClaim } from './commands/inspect.js';
export { verify } from './commands/verify.js';
export type { VerifyOptions, VerifyOutcome } from './commands/verify.js';
export { parseKeys, loadKeyFile, loadPrivateKey } from './keys/load-keys.js';
export type { LoadedKey } from './keys/load-keys.js';
export { parseOpenSshPrivateKey } from './keys/openssh-private.js';
export { toPublicJWK } from './keys/public-jwk.js';
export type { PublicJWK } from './keys/public-jwk.js';
export { CliError, EXIT } from './errors.js';
export type { Io } from './io.js';
