/**
 * Turns a row's {@link TokenSpec} into a token, at the moment of the request.
 */
import { DEFAULT_CLAIMS, type Relative, type TokenSpec } from '../table.js';
import { signToken, type JWKSEndpoint, type Signer, type TestIssuer } from './issuer.js';

function isRelative(value: unknown): value is Relative {
  return typeof value === 'object' && value !== null && '$in' in value;
}

function merge(base: Record<string, unknown>, over: Record<string, unknown> = {}): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base, ...over };
  for (const [k, v] of Object.entries(out)) if (v === undefined) delete out[k];
  return out;
}

/** Mints the token of `spec`, signed by `endpoint`'s current key unless the spec says otherwise. */
export function mint(
  spec: TokenSpec,
  issuer: TestIssuer,
  endpoint: JWKSEndpoint,
  extraClaims: Record<string, unknown> = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const claims = merge({ ...DEFAULT_CLAIMS, ...extraClaims }, spec.claims);
  for (const [k, v] of Object.entries(claims)) if (isRelative(v)) claims[k] = now + v.$in;
  if (spec.mangle === 'pad-to-9000') claims.pad = 'x'.repeat(9000);
  const header = merge({ alg: 'RS256', kid: endpoint.current.kid }, spec.header);
  const signer: Signer =
    spec.sign === 'impostor'
      ? { kind: 'rsa', key: issuer.impostor }
      : spec.sign === 'hs256-public-key'
        ? { kind: 'hmac', secret: issuer.primary.spki }
        : spec.sign === 'none'
          ? { kind: 'none' }
          : { kind: 'rsa', key: endpoint.current };
  const token = signToken(header, claims, signer);
  const [h, p, s] = token.split('.') as [string, string, string];
  switch (spec.mangle) {
    case 'tamper-payload':
      return `${h}.${Buffer.from(JSON.stringify({ ...claims, sub: 'admin' })).toString('base64url')}.${s}`;
    case 'fake-signature':
      return `${h}.${p}.c2lnbmF0dXJl`;
    case 'two-segments':
      return `${h}.${p}`;
    case 'four-segments':
      return `${token}.${s}`;
    case 'five-segments':
      return `${token}.AAAA.BBBB`;
    default:
      return token;
  }
}
