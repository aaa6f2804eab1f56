/**
 * DPoP at the token endpoint (RFC 9449 §5): a client that sends a `DPoP` proof with its token
 * request gets a token bound to the proof's key (`cnf.jkt`, §6.1) and `token_type: "DPoP"`.
 * The proof is checked as §4.3 lists, with jose: one header, a JWS with `typ: dpop+jwt`, an
 * allowed asymmetric `alg`, a public `jwk` whose key verifies the signature, `htm` = POST,
 * `htu` = the token endpoint, a fresh `iat`, and a `jti` not seen before.
 */
import { calculateJwkThumbprint, EmbeddedJWK, jwtVerify } from 'jose';
import { memoryReplayStore } from '@bearer-guard/core';
import { OAuthError } from './http.mjs';

/** Proof algorithms accepted (asymmetric only, §4.3 step 5): published as `dpop_signing_alg_values_supported`. */
export const DPOP_ALGORITHMS = Object.freeze(['ES256', 'ES384', 'ES512', 'EdDSA', 'PS256', 'PS384', 'PS512', 'RS256']);
/** How old a proof may be, in seconds (its `iat`), and how far our clocks may disagree. */
const MAX_AGE = 60;
const CLOCK_TOLERANCE = 5;
const MAX_PROOF_LENGTH = 8192;

/** A proof the token request fails with: 400 `invalid_dpop_proof` (§5, RFC 6749 §5.2). */
const invalid = (/** @type {string} */ description) => new OAuthError(400, 'invalid_dpop_proof', description);

/** `scheme://host[:port]/path` of an absolute URL, query and fragment dropped, as §4.3 compares `htu`; undefined if it is none. */
function withoutQuery(/** @type {unknown} */ value) {
  if (typeof value !== 'string' || !URL.canParse(value)) return undefined;
  const url = new URL(value);
  return `${url.protocol}//${url.host}${url.pathname}`;
}

/**
 * The proof checker of one token endpoint.
 * @param {{ tokenEndpoint: string }} settings - the endpoint's public URL (what clients put in `htu`)
 */
export function createProofChecker({ tokenEndpoint }) {
  const endpoint = withoutQuery(tokenEndpoint);
  // §11.1: each proof once. Keyed by the proof's key and jti; kept while the proof could pass.
  const seen = memoryReplayStore();

  /**
   * The RFC 7638 thumbprint of the key of the request's valid DPoP proof; `undefined` when the
   * request has no `DPoP` header (a Bearer token request).
   * @param {import('node:http').IncomingMessage} req
   * @returns {Promise<string | undefined>}
   * @throws {OAuthError} 400 invalid_dpop_proof
   */
  async function check(req) {
    const count = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i].toLowerCase() === 'dpop').length;
    if (count === 0) return undefined;
    if (count > 1) throw invalid('More than one DPoP header was sent');
    const proof = req.headers.dpop;
    if (typeof proof !== 'string' || proof.length === 0 || proof.length > MAX_PROOF_LENGTH)
      throw invalid('The DPoP header is empty or too long');

    let verified;
    try {
      verified = await jwtVerify(proof, EmbeddedJWK, {
        typ: 'dpop+jwt',
        algorithms: [...DPOP_ALGORITHMS],
        maxTokenAge: MAX_AGE,
        clockTolerance: CLOCK_TOLERANCE,
        requiredClaims: ['jti', 'htm', 'htu', 'iat'],
      });
    } catch {
      // jose says why (typ, alg, a private or missing jwk, the signature, iat…): the client gets one generic reason.
      throw invalid('The DPoP proof is malformed, badly signed or expired');
    }
    const { payload, protectedHeader } = verified;
    if (payload.htm !== 'POST') throw invalid('The DPoP proof is for another HTTP method ("htm")');
    if (withoutQuery(payload.htu) !== endpoint) throw invalid('The DPoP proof is for another URL ("htu")');
    if (typeof payload.jti !== 'string' || payload.jti.length === 0 || payload.jti.length > 256)
      throw invalid('The DPoP proof has no valid "jti"');
    const jkt = await calculateJwkThumbprint(/** @type {import('jose').JWK} */ (protectedHeader.jwk), 'sha256');
    const expiresAt = /** @type {number} */ (payload.iat) + MAX_AGE + CLOCK_TOLERANCE;
    if (!(await seen.remember(`${jkt}.${payload.jti}`, expiresAt)))
      throw invalid('The DPoP proof was used before ("jti")');
    return jkt;
  }

  return { check };
}
