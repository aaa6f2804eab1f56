/**
 * In-process checks of the parts with many edge cases: the OpenSSH private-key parser on
 * corrupted input, and duration formatting.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { formatDuration, relativeTime } from '../src/format.js';
import { parseOpenSshPrivateKey } from '../src/keys/openssh-private.js';
import { hasSshKeygen, sshKeygen, tempDir } from './helpers/cli.js';

describe('formatDuration / relativeTime', () => {
  test.each([
    [0, '0s'],
    [1, '1s'],
    [59, '59s'],
    [60, '1m'],
    [250, '4m 10s'],
    [3600, '1h'],
    [3661, '1h 1m'],
    [7200, '2h'],
    [86_400, '1d'],
    [90_061, '1d 1h'],
    [-250, '4m 10s'],
    [12.9, '12s'],
  ])('%d s → %s', (seconds, text) => {
    expect(formatDuration(seconds)).toBe(text);
  });

  test('phrases', () => {
    expect(relativeTime('exp', 1250, 1000)).toBe('expires in 4m 10s');
    expect(relativeTime('exp', 1000 - 7200, 1000)).toBe('expired 2h ago');
    expect(relativeTime('iat', 1000 - 180, 1000)).toBe('issued 3m ago');
    expect(relativeTime('nbf', 1300, 1000)).toBe('valid in 5m');
    expect(relativeTime('auth_time', 1000, 1000)).toBe('authenticated 0s ago');
  });
});

/** Splits an openssh-key-v1 container into its fields, and builds one back. */
const MAGIC = Buffer.from('openssh-key-v1\0', 'latin1');
function fields(data: Buffer): Buffer[] {
  const out: Buffer[] = [];
  let offset = MAGIC.length;
  for (let i = 0; i < 3; i++) {
    const length = data.readUInt32BE(offset);
    out.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  offset += 4; // number of keys (1)
  for (let i = 0; i < 2; i++) {
    const length = data.readUInt32BE(offset);
    out.push(data.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length;
  }
  return out; // cipher, kdf, kdf options, public key, private section
}
function container([cipher, kdf, options, pub, section]: Buffer[]): string {
  const str = (b: Buffer) =>
    Buffer.concat([Buffer.from([0, 0, 0, 0].map((_, i) => (b.length >>> (24 - 8 * i)) & 0xff)), b]);
  const one = Buffer.from([0, 0, 0, 1]);
  const data = Buffer.concat([MAGIC, str(cipher!), str(kdf!), str(options!), one, str(pub!), str(section!)]);
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${data.toString('base64')}\n-----END OPENSSH PRIVATE KEY-----\n`;
}
const decode = (pem: string) => Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');

describe.skipIf(!hasSshKeygen)('parseOpenSshPrivateKey on corrupted keys', () => {
  const tmp = tempDir();
  let a: Buffer[];
  let b: Buffer[];
  beforeAll(() => {
    sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-f', 'a'], tmp.dir);
    sshKeygen(['-q', '-t', 'ed25519', '-N', '', '-f', 'b'], tmp.dir);
    a = fields(decode(readFileSync(join(tmp.dir, 'a'), 'utf8')));
    b = fields(decode(readFileSync(join(tmp.dir, 'b'), 'utf8')));
  });
  afterAll(() => tmp.remove());

  test('the rebuilt container parses', () => {
    const [key] = parseOpenSshPrivateKey(container(a));
    expect(key?.asymmetricKeyType).toBe('ed25519');
  });

  test.each([
    [
      'a private key that does not match its public key',
      () => container([...a.slice(0, 3), b[3]!, a[4]!]),
      /key 1 does not match its public key/,
    ],
    [
      'check integers that differ',
      () => {
        const section = Buffer.from(a[4]!);
        section[0] = section[0]! ^ 0xff;
        return container([...a.slice(0, 4), section]);
      },
      /check integers differ/,
    ],
    [
      'bad padding',
      () => {
        const section = Buffer.from(a[4]!);
        section[section.length - 1] = 0x42;
        return container([...a.slice(0, 4), section]);
      },
      /bad padding/,
    ],
    [
      'an encrypted key',
      () => container([Buffer.from('aes256-ctr'), Buffer.from('bcrypt'), ...a.slice(2)]),
      /encrypted OpenSSH keys are not supported: decrypt with ssh-keygen -p/,
    ],
    ['truncated data', () => container(a).replace(/\n(.{40})[^\n]*\n-----END/, '\n$1\n-----END'), /truncated/],
    [
      'another magic',
      () => container(a).replace('b3BlbnNzaC1rZXktdjEA', 'b3BlbnNzaC1rZXktdjIA'),
      /not an openssh-key-v1 container/,
    ],
  ])('%s', (_, make, message) => {
    expect(() => parseOpenSshPrivateKey(make())).toThrow(message);
  });
});
