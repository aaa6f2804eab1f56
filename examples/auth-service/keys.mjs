/**
 * The service's signing keys. The newest key signs; a key replaced by `rotate()` stays in the
 * JWKS for `retention` seconds more, so tokens it signed keep verifying until they expire.
 * Private keys live in this module's closures (and in `keysDir`, mode 0600); only public JWKs
 * ever leave it.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { chmod, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { calculateJwkThumbprint, exportPKCS8, generateKeyPair } from 'jose';

/**
 * @typedef {object} SigningKey
 * @property {string} kid - RFC 7638 thumbprint of the public key
 * @property {string} alg
 * @property {import('node:crypto').KeyObject} privateKey
 * @property {Record<string, unknown>} publicJWK
 * @property {number} createdAt - ms
 * @property {number} [retiredAt] - ms; set when a newer key took over
 */

const CURVES = /** @type {Record<string, string>} */ ({ prime256v1: 'ES256', secp384r1: 'ES384', secp521r1: 'ES512' });

/** @param {import('node:crypto').KeyObject} key @param {string} file */
function algorithmOf(key, file) {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  const alg = key.asymmetricKeyType === 'ec' ? CURVES[key.asymmetricKeyDetails?.namedCurve ?? ''] : undefined;
  if (!alg) throw new Error(`${file}: unsupported key type ${key.asymmetricKeyType}`);
  return alg;
}

/**
 * A signing key from a PEM private key: PKCS#8 (`BEGIN PRIVATE KEY`), PKCS#1
 * (`BEGIN RSA PRIVATE KEY`) or SEC1 (`BEGIN EC PRIVATE KEY`) — what `ssh-keygen -m pem` writes.
 * @param {string} pem @param {string} file @param {number} createdAt
 * @returns {Promise<SigningKey>}
 */
async function fromPem(pem, file, createdAt) {
  if (pem.includes('BEGIN OPENSSH PRIVATE KEY')) {
    throw new Error(
      `${file}: OpenSSH private key format; convert it with \`ssh-keygen -p -m pem -f ${file}\` or use a PKCS#8 PEM key`,
    );
  }
  const privateKey = createPrivateKey(pem); // throws for an encrypted key: give it without passphrase
  const alg = algorithmOf(privateKey, file);
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  const kid = await calculateJwkThumbprint(/** @type {import('jose').JWK} */ (jwk));
  return { kid, alg, privateKey, publicJWK: { ...jwk, kid, alg, use: 'sig' }, createdAt };
}

/**
 * A fresh key pair, written to `keysDir` (mode 0600) when there is one.
 * @param {string} alg @param {string | undefined} keysDir
 */
async function generate(alg, keysDir) {
  const { privateKey } = await generateKeyPair(alg, { extractable: true });
  const pem = await exportPKCS8(privateKey);
  const key = await fromPem(pem, 'generated key', Date.now());
  if (keysDir) {
    const file = join(
      keysDir,
      `${new Date(key.createdAt).toISOString().replace(/[:.]/g, '-')}-${key.kid.slice(0, 8)}.pem`,
    );
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    await chmod(file, 0o600); // whatever the umask
  }
  return key;
}

/** Every `*.pem` private key in `keysDir`, oldest first (by modification time). */
async function load(/** @type {string} */ keysDir) {
  await mkdir(keysDir, { recursive: true, mode: 0o700 });
  const names = (await readdir(keysDir)).filter((name) => name.endsWith('.pem')).sort();
  const keys = [];
  for (const name of names) {
    const file = join(keysDir, name);
    keys.push(await fromPem(await readFile(file, 'utf8'), file, (await stat(file)).mtimeMs));
  }
  keys.sort((a, b) => a.createdAt - b.createdAt);
  // Each key was replaced when the next one was made.
  keys.forEach((key, i) => {
    if (i + 1 < keys.length) key.retiredAt = keys[i + 1].createdAt;
  });
  return keys;
}

/**
 * @param {{ keysDir?: string, alg?: string, retention: number }} options - `keysDir`: where
 *   keys are kept (none: in memory only); `alg`: for generated keys (default ES256);
 *   `retention`: seconds a replaced key stays published (longest token lifetime + clock skew).
 */
export async function createKeyring({ keysDir, alg = 'ES256', retention }) {
  const keys = keysDir ? await load(keysDir) : [];
  if (keys.length === 0) keys.push(await generate(alg, keysDir));

  /** Drops the keys whose last token has expired. */
  const prune = () => {
    const now = Date.now();
    for (let i = keys.length - 2; i >= 0; i--) {
      if (/** @type {number} */ (keys[i].retiredAt) + retention * 1000 < now) keys.splice(i, 1);
    }
  };
  prune();

  return {
    /** The key that signs new tokens. */
    current: () => keys[keys.length - 1],
    /** The public JWKS: the current key and the replaced keys still within `retention`. */
    jwks() {
      prune();
      return { keys: keys.map((k) => ({ ...k.publicJWK })).reverse() };
    },
    /** Makes a new signing key; the previous one keeps verifying for `retention` seconds. */
    async rotate() {
      const key = await generate(alg, keysDir);
      keys[keys.length - 1].retiredAt = key.createdAt;
      keys.push(key);
      prune();
      return { kid: key.kid };
    },
  };
}
