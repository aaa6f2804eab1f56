/**
 * Certificate-bound access tokens (RFC 8705 §3): the token's `cnf["x5t#S256"]` must be the
 * SHA-256 thumbprint of the client certificate of the request that carries it.
 */
import { hash, X509Certificate } from 'node:crypto';
import { callback, checkKnownKeys, fail, flag, isRecord } from './option-checks.js';

/** A client certificate as `mtls.certificate` may return it: PEM, DER bytes or an `X509Certificate`. */
export type ClientCertificate = string | Uint8Array | X509Certificate;

/** The `mtls` option: certificate-bound access tokens (RFC 8705). */
export interface MTLSOptions {
  /** Only certificate-bound tokens pass. Default false. */
  required?: boolean | undefined;
  /**
   * The client certificate of a request, when TLS ends before this process (a trusted proxy's
   * header, e.g. `X-Client-Cert`): gets the framework's own request object (Express `req`, Koa
   * `ctx`, Fastify `request`). Default: the TLS socket's peer certificate. Only read a header
   * that your proxy always sets or strips: a client could otherwise send its own.
   */
  certificate?: ((request: unknown) => ClientCertificate | undefined | null) | undefined;
}

/** The `mtls` option, validated. */
export interface ResolvedMTLS {
  required: boolean;
  certificate: MTLSOptions['certificate'];
}

const MTLS_KEYS = new Set(['required', 'certificate']);

/** Validates the `mtls` option; `undefined` when it is off. */
export function resolveMTLS(value: unknown): ResolvedMTLS | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && !isRecord(value)) fail('mtls', 'must be true, false or an object');
  const o = (value === true ? {} : Object.assign(Object.create(null) as object, value)) as MTLSOptions;
  checkKnownKeys(o as Record<string, unknown>, MTLS_KEYS, 'mtls.');
  return {
    required: flag(o.required, 'mtls.required', false),
    certificate: callback(o.certificate, 'mtls.certificate'),
  };
}

/**
 * base64url(SHA-256(DER)) of a client certificate (RFC 8705 §3.1), or `undefined` when there is
 * none or it cannot be parsed as an X.509 certificate.
 */
export function certificateThumbprint(certificate: unknown): string | undefined {
  if (certificate === undefined || certificate === null) return undefined;
  try {
    let der: Buffer;
    if (certificate instanceof X509Certificate) der = certificate.raw;
    else if (typeof certificate === 'string') {
      const text = certificate.includes('%') ? decodeURIComponent(certificate) : certificate;
      der = new X509Certificate(text).raw;
    } else if (certificate instanceof Uint8Array) {
      if (certificate.length === 0) return undefined;
      der = new X509Certificate(certificate).raw;
    } else return undefined;
    return hash('sha256', der, 'base64url');
  } catch {
    return undefined;
  }
}
