/**
 * One place that decides what happens to an error: answer it, or throw it to Koa.
 */
import { decideError } from '@bearer-guard/core/adapter';
import type { Context } from 'koa';

/**
 * Answers a bearer-guard error with its status, headers and JSON body, without calling `next`.
 * Rethrows when errors are forwarded or when it is not a bearer-guard error: Koa's error path
 * (your error middleware, or Koa's default handler) then sees it. A forwarded error is safe for
 * any handler, Koa's default one included: its `message` and `stack` carry only the generic
 * description (the server-side explanation is in `detail`).
 */
export function handleError(error: unknown, ctx: Context, forward: boolean): void {
  const decision = decideError(error, forward);
  if ('pass' in decision) throw decision.pass;
  const { status, headers, body } = decision.answer;
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}
