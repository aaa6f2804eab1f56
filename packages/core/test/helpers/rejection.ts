import { type BearerError, isBearerError } from '@bearer-guard/core';

/** The BearerError `promise` rejects with; fails the test if it resolves or rejects with anything else. */
export async function rejection(promise: Promise<unknown>): Promise<BearerError> {
  try {
    await promise;
  } catch (error) {
    if (isBearerError(error)) return error;
    throw error;
  }
  throw new Error('expected a rejection');
}
