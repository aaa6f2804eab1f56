/**
 * Certificate-bound tokens (RFC 8705) for users' tests: `sign(claims, { certificate })` writes
 * `cnf["x5t#S256"]`, checked against openssl's own SHA-256 fingerprint and against a real core
 * verifier with `mtls: true`. The certificates are made by `openssl` in a temporary directory.
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createVerifier, type Verifier } from '@bearer-guard/core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createTestIssuer, type TestIssuer } from '../src/index.js';
import { payloadOf } from './helpers.js';

interface Certificate {
  pem: string;
  der: Buffer;
  /** base64url(SHA-256(DER)), from openssl's fingerprint: computed apart from the code under test. */
  x5t: string;
}

let dir: string;
/** A self-signed P-256 client certificate, with openssl's SHA-256 fingerprint of it. */
function makeCertificate(name: string): Certificate {
  const pemFile = join(dir, `${name}.pem`);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { encoding: 'utf8', stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-subj',
    `/CN=${name}`,
    '-days',
    '1',
    '-keyout',
    join(dir, `${name}.key`),
    '-out',
    pemFile,
  );
  openssl('x509', '-in', pemFile, '-outform', 'DER', '-out', join(dir, `${name}.der`));
  const fingerprint = openssl('x509', '-in', pemFile, '-noout', '-fingerprint', '-sha256');
  const hex = /=([0-9A-F:]+)/.exec(fingerprint)?.[1]?.replaceAll(':', '') ?? '';
  expect(hex).toHaveLength(64);
  return {
    pem: readFileSync(pemFile, 'utf8'),
    der: readFileSync(join(dir, `${name}.der`)),
    x5t: Buffer.from(hex, 'hex').toString('base64url'),
  };
}

let issuer: TestIssuer;
let verifier: Verifier;
let alice: Certificate;
let mallory: Certificate;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bearer-guard-mtls-'));
  alice = makeCertificate('alice');
  mallory = makeCertificate('mallory');
  issuer = await createTestIssuer({ alg: 'ES256', audience: 'orders' });
  verifier = createVerifier({ issuer: issuer.issuer, audience: 'orders', mtls: true });
});
afterAll(async () => {
  verifier?.close();
  await issuer?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string, peerCertificate: () => unknown) => ({
  headers: { authorization: `Bearer ${token}` },
  peerCertificate: peerCertificate as () => string,
});

describe('sign(claims, { certificate })', () => {
  test('cnf["x5t#S256"] is base64url(SHA-256(DER)): the same from PEM, DER bytes and an X509Certificate', async () => {
    expect(alice.x5t).not.toBe(mallory.x5t);
    for (const certificate of [alice.pem, alice.der, new Uint8Array(alice.der), new X509Certificate(alice.pem)]) {
      expect(payloadOf(await issuer.sign({ sub: 'u1' }, { certificate })).cnf).toEqual({ 'x5t#S256': alice.x5t });
    }
  });

  test('with dpopKey too, cnf holds both members', async () => {
    const key = await issuer.dpopKey();
    const token = await issuer.sign({}, { certificate: alice.pem, dpopKey: key });
    expect(payloadOf(token).cnf).toEqual({ jkt: key.jkt, 'x5t#S256': alice.x5t });
  });

  test('something that is not a certificate is a TypeError naming sign.certificate', async () => {
    const message =
      'bearer-guard: `sign.certificate` must be an X.509 certificate: a PEM string, DER bytes or an X509Certificate';
    for (const certificate of ['not a certificate', Buffer.alloc(0), 42, null]) {
      await expect(issuer.sign({}, { certificate: certificate as never })).rejects.toThrow(TypeError);
      await expect(issuer.sign({}, { certificate: certificate as never })).rejects.toThrow(message);
    }
  });
});

describe('a certificate-bound token against a core verifier with mtls: true', () => {
  test('passes with the same certificate (PEM, DER or X509Certificate), with confirmation { x5t#S256 }', async () => {
    const token = await issuer.sign({ sub: 'u1' }, { certificate: alice.pem });
    for (const presented of [alice.pem, alice.der, new X509Certificate(alice.pem)]) {
      const auth = await verifier.authenticate(bearer(token, () => presented));
      expect(auth?.payload.sub).toBe('u1');
      expect(auth?.confirmation).toEqual({ 'x5t#S256': alice.x5t });
    }
  });

  test('fails with another certificate: 401 invalid_token (certificate_mismatch)', async () => {
    const token = await issuer.sign({ sub: 'u1' }, { certificate: alice.pem });
    await expect(verifier.authenticate(bearer(token, () => mallory.pem))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'certificate_mismatch',
    });
  });

  test('fails without a certificate: 401 invalid_token (certificate_required)', async () => {
    const token = await issuer.sign({ sub: 'u1' }, { certificate: new X509Certificate(alice.pem) });
    await expect(verifier.authenticate(bearer(token, () => undefined))).rejects.toMatchObject({
      status: 401,
      code: 'invalid_token',
      reason: 'certificate_required',
    });
  });
});
