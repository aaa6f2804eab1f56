/**
 * Certificate-bound access tokens (RFC 8705 §3): the token's `cnf["x5t#S256"]` must be the
 * SHA-256 thumbprint of the client certificate of the request that carries it.
 */
import { hash, X509Certificate } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { callback, featureOption, flag } from './option-checks.js';

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
  const o = featureOption(value, 'mtls', MTLS_KEYS) as MTLSOptions | undefined;
  if (!o) return undefined;
  return {
    required: flag(o.required, 'mtls.required', false),
    certificate: callback(o.certificate, 'mtls.certificate'),
  };
}

const PEM = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----$/;
const BASE64 = /^[A-Za-z0-9+/=\s]+$/;

/**
 * The DER bytes of exactly one certificate, or `undefined`. A value with anything besides one
 * certificate (a second one, as a proxy that appends to its header would send, or trailing bytes)
 * is no certificate: certificates are public, and the first of several may not be the client's.
 */
function derOf(certificate: unknown): Buffer | undefined {
  if (certificate instanceof X509Certificate) return certificate.raw;
  let der: Buffer;
  if (typeof certificate === 'string') {
    let text = certificate.trim();
    if (text.includes('%')) text = decodeURIComponent(text).trim();
    // One PEM block (newlines or spaces, as proxies forward it), or bare base64 DER (Traefik).
    const body = PEM.exec(text)?.[1] ?? (BASE64.test(text) ? text : undefined);
    if (body === undefined) return undefined;
    der = Buffer.from(body.replace(/\s+/g, ''), 'base64');
  } else if (certificate instanceof Uint8Array) der = Buffer.from(certificate);
  else return undefined;
  if (der.length === 0) return undefined;
  const raw = new X509Certificate(der).raw;
  return raw.equals(der) ? raw : undefined;
}

/**
 * base64url(SHA-256(DER)) of a client certificate (RFC 8705 §3.1), or `undefined` when there is
 * none, or the value is not exactly one X.509 certificate (PEM, URL-encoded PEM, base64 or raw
 * DER, an `X509Certificate`).
 */
export function certificateThumbprint(certificate: unknown): string | undefined {
  if (certificate === undefined || certificate === null) return undefined;
  try {
    const der = derOf(certificate);
    return der === undefined ? undefined : hash('sha256', der, 'base64url');
  } catch {
    return undefined;
  }
}

/**
 * The `peerCertificate` an adapter passes for a request on `socket`: the DER of the TLS peer's
 * certificate, read only when a certificate-bound token asks for it; none on a plain socket.
 */
export function peerCertificateOf(socket: unknown): () => Buffer | undefined {
  return () => (socket as Partial<TLSSocket>).getPeerCertificate?.()?.raw;
}
