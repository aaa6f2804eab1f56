/**
 * The `cnf` claim (RFC 7800) of sender-constrained test tokens: `jkt`, the thumbprint of a DPoP
 * key (RFC 9449 §6.1), and `x5t#S256`, the thumbprint of a client certificate (RFC 8705 §3.1).
 * Computed here, not by core, so that a test of core's checks does not compare core with itself.
 */
import { createHash, X509Certificate } from 'node:crypto';
import { fail, isRecord } from '@bearer-guard/core/adapter';

/** A client certificate: PEM, DER bytes, or a node:crypto `X509Certificate`. */
export type TestCertificate = string | Uint8Array | X509Certificate;

/** The confirmation members a token is bound by. */
export interface Confirmation {
  jkt?: string;
  'x5t#S256'?: string;
}

/**
 * base64url(SHA-256(DER)) of a certificate: the `x5t#S256` of RFC 8705 §3.1.
 *
 * @param certificate - PEM, DER bytes or an `X509Certificate`.
 * @param option - its name in the error, e.g. `'sign.certificate'`.
 * @throws TypeError ``bearer-guard: `<option>` must be an X.509 certificate …`` when it cannot be parsed.
 * @see https://www.rfc-editor.org/rfc/rfc8705#section-3.1
 * @example certificateThumbprint(readFileSync('client.pem', 'utf8'), 'sign.certificate') // 43 base64url characters
 */
export function certificateThumbprint(certificate: unknown, option: string): string {
  let der: Buffer;
  try {
    if (certificate instanceof X509Certificate) der = certificate.raw;
    else if (typeof certificate === 'string' || certificate instanceof Uint8Array)
      der = new X509Certificate(certificate).raw;
    else throw new TypeError(`got ${certificate === null ? 'null' : typeof certificate}`);
  } catch (error) {
    fail(option, 'must be an X.509 certificate: a PEM string, DER bytes or an X509Certificate', error);
  }
  return createHash('sha256').update(der).digest('base64url');
}

/**
 * The `cnf` claim for `sign()`'s `dpopKey` and `certificate` options, or `undefined` when neither is set.
 *
 * @param dpopKey - a key from `issuer.dpopKey()`, or any `{ jkt }`.
 * @param certificate - the client certificate the token is bound to.
 * @param scope - the options' name in errors: `'sign'` or `'opaque'`.
 * @example confirmationOf(key, undefined) // { jkt: key.jkt }
 */
export function confirmationOf(dpopKey: unknown, certificate: unknown, scope = 'sign'): Confirmation | undefined {
  if (dpopKey === undefined && certificate === undefined) return undefined;
  const cnf: Confirmation = {};
  if (dpopKey !== undefined) {
    const jkt = isRecord(dpopKey) ? dpopKey.jkt : undefined;
    if (typeof jkt !== 'string' || !/^[A-Za-z0-9_-]{43}$/.test(jkt))
      fail(`${scope}.dpopKey`, 'must be a key from issuer.dpopKey() (or { jkt: <RFC 7638 SHA-256 thumbprint> })');
    cnf.jkt = jkt;
  }
  if (certificate !== undefined) cnf['x5t#S256'] = certificateThumbprint(certificate, `${scope}.certificate`);
  return cnf;
}
