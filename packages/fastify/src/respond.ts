/**
 * One place that decides what happens to an error: answer it, or throw it to Fastify.
 */
import { isBearerError } from '@bearer-guard/core';
import { decideError } from '@bearer-guard/core/adapter';
import type { FastifyReply } from 'fastify';

/**
 * Answers a bearer-guard error with its status, headers and JSON body and returns the reply (what
 * an async hook that answered must return). Rethrows when errors are forwarded or when it is not
 * a bearer-guard error, so that Fastify's error handler (`setErrorHandler`) sees it. A forwarded
 * error is safe for any handler: its `message` is the generic description (the server-side
 * explanation stays in `reason` and `detail`).
 */
export function handleError(error: unknown, reply: FastifyReply, forward: boolean): FastifyReply {
  if (!isBearerError(error)) throw error;
  // Refused before its body has arrived (an onRequest answer): close the connection rather than
  // read a body nobody needs, however large the client makes it.
  const raw = reply.request.raw;
  const hasBody = raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
  if (hasBody && !raw.complete) reply.header('connection', 'close');
  const decision = decideError(error, forward);
  if ('pass' in decision) throw decision.pass;
  const { status, headers, body } = decision.answer;
  return reply.code(status).headers(headers).send(body);
}
