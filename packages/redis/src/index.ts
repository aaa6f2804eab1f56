/**
 * @bearer-guard/redis: a revocation store on Redis, shared by every instance; pub/sub keeps each
 * instance's local copy current, so checking a token costs no Redis round trip. And a DPoP replay
 * store on Redis, one atomic `SET NX` per proof, so that no instance accepts a proof twice.
 * @packageDocumentation
 */
export { redisRevocationStore } from './store.js';
export type { RedisRevocationStore, RedisRevocationState } from './store.js';
export type { RedisRevocationStoreOptions, RedisConnection, RedisClient, FailurePolicy } from './options.js';
export type { Duration } from '@bearer-guard/core';
export type { RedisRevocationEvent, RedisRevocationErrorStage, RevocationLogger } from './events.js';
export { redisReplayStore } from './replay-store.js';
export type { RedisReplayStore, RedisReplayStoreOptions } from './replay-store.js';
