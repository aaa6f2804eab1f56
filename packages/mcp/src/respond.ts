/**
 * One place that decides what happens to an error: answer it as every adapter does (status,
 * `WWW-Authenticate`, JSON body), or hand it to Express. The Express adapter's own module cannot
 * be imported here: its `req.auth` type would clash with the MCP SDK's.
 */
import { decideError } from '@bearer-guard/core/adapter';
import type { NextFunction, Response } from 'express';

/** Answers a bearer-guard error, or calls `next(error)` (forwarded, not ours, or headers sent). */
export function handleError(error: unknown, res: Response, next: NextFunction, forward: boolean): void {
  const decision = decideError(error, forward, res.headersSent);
  if ('pass' in decision) {
    next(decision.pass);
    return;
  }
  const { status, headers, body } = decision.answer;
  res.status(status).set(headers).json(body);
}

/** Runs `task`, then `next()` or the error's answer; never leaves a rejected promise (Express 4). */
export function settle(task: Promise<unknown>, res: Response, next: NextFunction, forward: boolean): void {
  task
    .then(
      () => next(),
      (error: unknown) => handleError(error, res, next, forward),
    )
    .catch(next);
}
