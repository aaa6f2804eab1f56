/**
 * Encrypted access tokens (a signed JWT inside a compact JWE) on every target: rows through the
 * table runner. The JWEs are made here with node:crypto alone (RSA-OAEP-256 key wrapping,
 * AES-GCM content encryption, RFC 7516 §5.1), independently of the jose that core decrypts with.
 */
import { constants, createCipheriv, generateKeyPairSync, publicEncrypt, randomBytes } from 'node:crypto';
import { mint } from './helpers/mint.js';
import { runTable, type RunnableRow } from './helpers/run-table.js';
import type { JWKSEndpoint, TestIssuer } from './helpers/issuer.js';
import { DEFAULT_OPTIONS, invalid, ok, type TokenSpec } from './table.js';

const pair = () => {
  const { publicKey, privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { publicKey, pem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string };
};
const recipient = pair();
const stranger = pair();

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

/** A compact JWE of `plaintext` to `key` (RSA-OAEP with SHA-256 or, for `alg: 'RSA-OAEP'`, SHA-1). */
function encrypt(plaintext: string, key = recipient.publicKey, header: Record<string, unknown> = {}): string {
  const protectedHeader = { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', ...header };
  for (const [k, v] of Object.entries(protectedHeader))
    if (v === undefined) delete (protectedHeader as Record<string, unknown>)[k];
  const encoded = b64(protectedHeader);
  const cek = randomBytes(protectedHeader.enc === 'A128GCM' ? 16 : 32);
  const wrapped = publicEncrypt(
    {
      key,
      padding: constants.RSA_PKCS1_OAEP_PADDING,
      oaepHash: protectedHeader.alg === 'RSA-OAEP' ? 'sha1' : 'sha256',
    },
    cek,
  );
  const iv = randomBytes(12);
  const cipher = createCipheriv(cek.length === 16 ? 'aes-128-gcm' : 'aes-256-gcm', cek, iv);
  cipher.setAAD(Buffer.from(encoded, 'ascii'));
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [encoded, wrapped, iv, ciphertext, cipher.getAuthTag()]
    .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
    .join('.');
}

interface Kit {
  signed(spec?: TokenSpec): string;
}

const DECRYPTION = { decryption: { keys: [recipient.pem] } };

const rows: RunnableRow<Kit>[] = [
  {
    name: 'jwe: a signed JWT encrypted to the API (RSA-OAEP-256, A256GCM) passes',
    token: (kit) => encrypt(kit.signed()),
    expect: ok(),
  },
  {
    name: 'jwe: A128GCM and cty "at+jwt" (as oidc-provider writes it) pass',
    token: (kit) => encrypt(kit.signed(), recipient.publicKey, { enc: 'A128GCM', cty: 'at+jwt' }),
    expect: ok(),
  },
  {
    name: 'jwe: encrypted to another key → invalid_token',
    token: (kit) => encrypt(kit.signed(), stranger.publicKey),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: a disallowed key management algorithm (RSA-OAEP, SHA-1) → invalid_token',
    token: (kit) => encrypt(kit.signed(), recipient.publicKey, { alg: 'RSA-OAEP' }),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: a PBES2 header → invalid_token',
    token: (kit) => encrypt(kit.signed(), recipient.publicKey, { alg: 'PBES2-HS256+A128KW', p2s: 'c2FsdA', p2c: 1e9 }),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: compressed ("zip") → invalid_token',
    token: (kit) => encrypt(kit.signed(), recipient.publicKey, { zip: 'DEF' }),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: no cty → invalid_token',
    token: (kit) => encrypt(kit.signed(), recipient.publicKey, { cty: undefined }),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: claims without a signature inside (unsigned inner) → invalid_token',
    token: () => encrypt(JSON.stringify({ iss: 'https://issuer.conformance.test/', aud: 'orders', sub: 'user-1' })),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: an alg-none JWT inside → invalid_token',
    token: (kit) => encrypt(kit.signed({ sign: 'none' })),
    expect: invalid('malformed_token'),
  },
  {
    name: 'jwe: an inner JWT with a forged signature → invalid_token',
    token: (kit) => encrypt(kit.signed({ sign: 'impostor' })),
    expect: invalid('invalid_signature'),
  },
  {
    name: 'jwe: an expired inner JWT → invalid_token',
    token: (kit) => encrypt(kit.signed({ claims: { exp: { $in: -60 } } })),
    expect: invalid('token_expired'),
  },
  {
    name: 'jwe: a JWE inside the JWE → invalid_token',
    token: (kit) => encrypt(encrypt(kit.signed())),
    expect: invalid('decryption_failed'),
  },
  {
    name: 'jwe: a guard checks the inner claims (403 without the scope)',
    route: 'admin',
    token: (kit) => encrypt(kit.signed()),
    expect: {
      status: 403,
      wwwAuthenticate:
        'Bearer realm="api", error="insufficient_scope", error_description="The access token does not grant the required permissions", scope="admin"',
      cacheControl: 'no-store',
      body: {
        error: 'insufficient_scope',
        error_description: 'The access token does not grant the required permissions',
      },
      handlerRan: false,
      reason: 'insufficient_scope',
    },
  },
  {
    name: 'jwe: without the decryption option a JWE is invalid_token',
    options: { decryption: undefined },
    token: (kit) => encrypt(kit.signed()),
    expect: invalid('unsupported_token_format'),
  },
];

runTable<Kit>({
  rows,
  defaults: { ...DEFAULT_OPTIONS, ...DECRYPTION },
  minRows: 14,
  setup: async () => (context: { issuer: TestIssuer; endpoint: JWKSEndpoint }) => ({
    signed: (spec: TokenSpec = {}) => mint(spec, context.issuer, context.endpoint),
  }),
});
