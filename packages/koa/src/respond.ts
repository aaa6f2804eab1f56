/**
 * One place that decides what happens to an error: answer it, or throw it to Koa.
 */
import { errorResponse, isBearerError } from '@bearer-guard/core';
import type { Context } from 'koa';

/**
 * Answers a bearer-guard error with its status, headers and JSON body, without calling `next`.
 * Rethrows when errors are forwarded or when it is not a bearer-guard error: Koa's error path
 * (your error middleware, or Koa's default handler) then sees it.
 */
export function handleError(error: unknown, ctx: Context, forward: boolean): void {
  if (forward || !isBearerError(error)) throw error;
  const { status, headers, body } = errorResponse(error);
  ctx.status = status;
  ctx.set(headers);
  ctx.body = body;
}
