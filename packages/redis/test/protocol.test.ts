/** The wire format alone (no Redis needed): keys and messages, read as untrusted input. */
import { afterEach, describe, expect, it } from 'vitest';
import { decodeMessage, encodeMessage, entryKey, keySpace, parseEntryKey } from '../src/protocol.js';

const keys = keySpace('bg:', 'bg:revocations');

describe('protocol', () => {
  afterEach(() => {
    delete (Object.prototype as Record<string, unknown>).iss;
  });

  it('round-trips scoped and unscoped entries through keys and messages', () => {
    for (const issuer of [undefined, 'https://a.example/', 'https://b.example/:with:colons']) {
      for (const jti of ['x', 'a:b', 'https://b.example/x']) {
        expect(parseEntryKey(keys, entryKey(keys, jti, issuer))).toEqual({ jti, issuer });
        expect(decodeMessage(encodeMessage(jti, 1700000000, issuer))).toEqual(
          issuer === undefined ? { jti, exp: 1700000000 } : { jti, iss: issuer, exp: 1700000000 },
        );
      }
    }
    expect([
      parseEntryKey(keys, 'bg:revoked'),
      parseEntryKey(keys, 'bg:revoked:'),
      parseEntryKey(keys, 'bg:revokedx'),
      parseEntryKey(keys, 'other'),
    ]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('an `iss` on a polluted Object.prototype does not scope (and so undo) an unscoped revocation', () => {
    Object.defineProperty(Object.prototype, 'iss', {
      value: 'https://x.example/',
      configurable: true,
      writable: true,
      enumerable: false,
    });
    expect(decodeMessage('{"jti":"j1","exp":1700000000}')).toEqual({ jti: 'j1', exp: 1700000000 });
  });

  it('refuses messages it did not write', () => {
    for (const text of [
      'nope',
      '[]',
      'null',
      '{"jti":"","exp":1}',
      '{"jti":"a","exp":"1"}',
      '{"jti":"a","exp":1,"iss":""}',
      '{"jti":"a","exp":1,"iss":7}',
    ]) {
      expect(decodeMessage(text), text).toBeUndefined();
    }
  });
});
