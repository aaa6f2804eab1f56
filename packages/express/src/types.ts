/**
 * The type of `req.auth`, declared once through declaration merging.
 */
import type { AuthResult, JWTPayload } from '@bearer-guard/core';

/**
 * The claims `req.auth.payload` is typed with. Empty on purpose: augment it once in your app to
 * type your own claims everywhere (`req.auth`, `claimCheck`).
 *
 * @example
 * ```ts
 * declare module '@bearer-guard/express' {
 *   interface AuthPayload {
 *     tenant: string;
 *   }
 * }
 * app.get('/me', (req, res) => res.json({ tenant: req.auth?.payload.tenant })); // string
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface AuthPayload extends JWTPayload {}

declare global {
  // eslint-disable-next-line @typescript-eslint/no-namespace
  namespace Express {
    interface Request {
      /**
       * The verified token, set by `auth()`: `{ payload, header, token }`. Undefined when the
       * request carried no token and `auth()` is `optional` (or before `auth()` ran).
       */
      auth?: AuthResult<AuthPayload>;
    }
  }
}
