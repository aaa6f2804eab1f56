/**
 * One place that decides what happens to an error: answer it, or hand it to Express.
 */
import { decideError } from '@bearer-guard/core/adapter';
import type { NextFunction, Response } from 'express';

/**
 * Answers a bearer-guard error with its status, headers and JSON body, or calls `next(error)`
 * when errors are forwarded, when it is not a bearer-guard error, or when headers were sent. A
 * forwarded error is safe for any handler, Express's default one included: its `message` and
 * `stack` carry only the generic description (the server-side explanation is in `detail`).
 */
export function handleError(error: unknown, res: Response, next: NextFunction, forward: boolean): void {
  const decision = decideError(error, forward, res.headersSent);
  if ('pass' in decision) {
    next(decision.pass);
    return;
  }
  const { status, headers, body } = decision.answer;
  res.status(status).set(headers).json(body);
}

/**
 * Runs `task` and continues with `next()`, or hands its error to `fail` (which answers it, or
 * passes it on: see {@link handleError}). Never leaves a rejected promise: Express 4 ignores the
 * promises middleware return.
 */
export function settle(task: Promise<unknown>, next: NextFunction, fail: (error: unknown) => void): void {
  task.then(() => next(), fail).catch(next);
}
