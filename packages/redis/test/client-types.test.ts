/** Any node-redis v5 client is accepted as `{ client }`, with no cast (checked by `tsc`). */
import { createClient } from 'redis';
import { describe, expectTypeOf, it } from 'vitest';
import { redisRevocationStore, type RedisConnection, type RedisRevocationStore } from '@bearer-guard/redis';

describe('types', () => {
  it('accepts createClient() results, RESP2 or RESP3, and { url }', () => {
    expectTypeOf({ client: createClient() }).toExtend<RedisConnection>();
    expectTypeOf({ client: createClient({ RESP: 3 }) }).toExtend<RedisConnection>();
    expectTypeOf({ url: 'redis://localhost:6379' }).toExtend<RedisConnection>();
    expectTypeOf(redisRevocationStore).parameter(0).toEqualTypeOf<RedisConnection>();
    expectTypeOf<RedisRevocationStore['isRevoked']>().returns.toEqualTypeOf<boolean | Promise<boolean>>();
  });
});
