import { createRemoteJWKSet, jwtVerify, type JWTVerifyOptions } from 'jose';
import type { TestIssuer } from '../src/index.js';

/** Verifies `token` with jose against the issuer's served JWKS (a fresh, uncached JWKS client each call). */
export function verifyWithJose(issuer: TestIssuer, token: string, options: JWTVerifyOptions = {}) {
  return jwtVerify(token, createRemoteJWKSet(new URL(issuer.jwksUri)), {
    issuer: issuer.issuer,
    audience: 'orders',
    typ: 'at+jwt',
    ...options,
  });
}

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

export const now = (): number => Math.floor(Date.now() / 1000);

/** Decodes the payload of a compact JWS without verifying it. */
export function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Decodes the protected header of a compact JWS without verifying it. */
export function headerOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0] ?? '', 'base64url').toString('utf8')) as Record<string, unknown>;
}
