import { describe, expect, it } from 'vitest';
import { extractToken, isBearerError, type TokenRequest, type TokenLocation } from '@bearer-guard/core';

const T = 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ1In0.c2ln';

function outcome(request: TokenRequest, tokenLocations?: TokenLocation[]): string {
  try {
    return `token:${extractToken(request, tokenLocations ? { tokenLocations } : {}) ?? '-'}`;
  } catch (error) {
    if (!isBearerError(error)) throw error;
    return `${error.status}:${error.reason}`;
  }
}

const form = { 'content-type': 'application/x-www-form-urlencoded' };

describe('extractToken (RFC 6750 §2)', () => {
  it.each<[string, TokenRequest, TokenLocation[] | undefined, string]>([
    ['header', { headers: { authorization: `Bearer ${T}` } }, undefined, `token:${T}`],
    ['lower-case scheme', { headers: { authorization: `bearer ${T}` } }, undefined, `token:${T}`],
    ['upper-case scheme', { headers: { authorization: `BEARER ${T}` } }, undefined, `token:${T}`],
    ['several spaces (1*SP)', { headers: { authorization: `Bearer   ${T}` } }, undefined, `token:${T}`],
    [
      'b64token characters and padding',
      { headers: { authorization: 'Bearer aZ09-._~+/==' } },
      undefined,
      'token:aZ09-._~+/==',
    ],
    ['no header', { headers: {} }, undefined, 'token:-'],
    ['another scheme', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }, undefined, 'token:-'],
    ['scheme alone', { headers: { authorization: 'Bearer' } }, undefined, '400:malformed_authorization_header'],
    ['tab separator', { headers: { authorization: `Bearer\t${T}` } }, undefined, '400:malformed_authorization_header'],
    ['two tokens', { headers: { authorization: `Bearer ${T} ${T}` } }, undefined, '400:malformed_authorization_header'],
    [
      'illegal character',
      { headers: { authorization: 'Bearer a,b' } },
      undefined,
      '400:malformed_authorization_header',
    ],
    [
      'padding in the middle',
      { headers: { authorization: 'Bearer a=b' } },
      undefined,
      '400:malformed_authorization_header',
    ],
    [
      'Bearer glued to token',
      { headers: { authorization: `Bearer${T}` } },
      undefined,
      '400:malformed_authorization_header',
    ],
    [
      'two Authorization headers',
      {
        headers: { authorization: `Bearer ${T}` },
        rawHeaders: ['Authorization', `Bearer ${T}`, 'authorization', 'Bearer x'],
      },
      undefined,
      '400:multiple_authorization_headers',
    ],
    [
      'one Authorization header in rawHeaders',
      { headers: { authorization: `Bearer ${T}` }, rawHeaders: ['Host', 'x', 'Authorization', `Bearer ${T}`] },
      undefined,
      `token:${T}`,
    ],
    ['query, not enabled', { headers: {}, url: `/x?access_token=${T}` }, undefined, 'token:-'],
    ['query, enabled', { headers: {}, url: `/x?access_token=${T}` }, ['header', 'query'], `token:${T}`],
    [
      'query repeated',
      { headers: {}, url: '/x?access_token=a&access_token=b' },
      ['query'],
      '400:malformed_token_parameter',
    ],
    ['query empty', { headers: {}, url: '/x?access_token=' }, ['query'], '400:malformed_token_parameter'],
    [
      'parsed query array',
      { headers: {}, query: { access_token: ['a', 'b'] } },
      ['query'],
      '400:malformed_token_parameter',
    ],
    [
      'parsed query object',
      { headers: {}, query: { access_token: { a: 1 } } },
      ['query'],
      '400:malformed_token_parameter',
    ],
    [
      'header and query',
      { headers: { authorization: `Bearer ${T}` }, url: `/x?access_token=${T}` },
      ['header', 'query'],
      '400:multiple_token_locations',
    ],
    [
      'header and query, query disabled',
      { headers: { authorization: `Bearer ${T}` }, url: `/x?access_token=${T}` },
      ['header'],
      `token:${T}`,
    ],
    ['body form', { headers: form, method: 'POST', body: { access_token: T } }, ['body'], `token:${T}`],
    ['body on GET is ignored', { headers: form, method: 'GET', body: { access_token: T } }, ['body'], 'token:-'],
    [
      'JSON body is ignored',
      { headers: { 'content-type': 'application/json' }, method: 'POST', body: { access_token: T } },
      ['body'],
      'token:-',
    ],
    [
      'body array',
      { headers: form, method: 'POST', body: { access_token: ['a'] } },
      ['body'],
      '400:malformed_token_parameter',
    ],
    ['body not enabled', { headers: form, method: 'POST', body: { access_token: T } }, undefined, 'token:-'],
    ['cookie header', { headers: { cookie: `theme=dark; access_token=${T}` } }, ['cookie'], `token:${T}`],
    ['parsed cookies', { headers: {}, cookies: { access_token: T } }, ['cookie'], `token:${T}`],
    [
      'cookie repeated',
      { headers: { cookie: 'access_token=a; access_token=b' } },
      ['cookie'],
      '400:malformed_token_parameter',
    ],
    [
      'cookie and header',
      { headers: { authorization: `Bearer ${T}`, cookie: `access_token=${T}` } },
      ['header', 'cookie'],
      '400:multiple_token_locations',
    ],
    [
      'inherited property is not a token',
      { headers: {}, query: Object.create({ access_token: T }) as Record<string, unknown> },
      ['query'],
      'token:-',
    ],
  ])('%s', (_name, request, locations, expected) => {
    expect(outcome(request, locations)).toBe(expected);
  });

  it('uses a custom cookie name', () => {
    expect(
      extractToken({ headers: { cookie: `session=${T}` } }, { tokenLocations: ['cookie'], cookieName: 'session' }),
    ).toBe(T);
  });
});
