/** The core README's example, as an app would write it, under the strictest settings. */
import { createServer } from 'node:http';
import { createVerifier, isBearerError, requireScopes } from '@bearer-guard/core';

const verifier = createVerifier({
  issuer: 'https://auth.example.com/',
  audience: 'orders',
  tokenType: 'at+jwt',
  onRejected: (error) => console.warn('rejected token:', error.reason, error.message),
});
const readOrders = requireScopes('read:orders');

createServer(async (req, res) => {
  try {
    const auth = await verifier.authenticate({ headers: req.headers, rawHeaders: req.rawHeaders, url: req.url });
    await verifier.authorize(auth, readOrders);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ orders: [], user: auth?.payload.sub }));
  } catch (error) {
    if (!isBearerError(error)) throw error;
    res
      .writeHead(error.status, { ...error.headers, 'content-type': 'application/json' })
      .end(JSON.stringify(error.body));
  }
}).listen(3000, '127.0.0.1');

// Options built from configuration that may be absent: every optional member takes `undefined`.
const fromEnv = (name: string): string | undefined => process.env[name];
createVerifier({
  issuer: 'https://auth.example.com/',
  audience: 'orders',
  jwksUri: fromEnv('JWKS_URI'),
  realm: fromEnv('REALM'),
});
