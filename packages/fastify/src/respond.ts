/**
 * One place that decides what happens to an error: answer it, or throw it to Fastify.
 */
import { errorResponse, isBearerError, withPublicMessage } from '@bearer-guard/core';
import type { FastifyReply } from 'fastify';

/**
 * Answers a bearer-guard error with its status, headers and JSON body and returns the reply (what
 * an async hook that answered must return). Rethrows when errors are forwarded or when it is not
 * a bearer-guard error, so that Fastify's error handler (`setErrorHandler`) sees it; a forwarded
 * error's `message` is the generic description (the detail stays in `reason` and `cause`).
 */
export function handleError(error: unknown, reply: FastifyReply, forward: boolean): FastifyReply {
  if (!isBearerError(error)) throw error;
  // Fastify's default error handler renders `message`: forward a view whose message is generic.
  if (forward) throw withPublicMessage(error);
  const { status, headers, body } = errorResponse(error);
  return reply.code(status).headers(headers).send(body);
}
