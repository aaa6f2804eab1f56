/**
 * The orders domain, framework-free: an in-memory order book and the JSON bodies every orders
 * API answers with, so the Express, Koa and Fastify services stay identical byte for byte.
 */

/** @typedef {{ id: string, item: string, quantity: number, createdBy: string }} Order */

/** 404 body. */
export const NOT_FOUND = Object.freeze({ error: 'not_found', error_description: 'No such resource' });
/** 400 body for a body that is not valid JSON (or cannot be read). */
export const BAD_BODY = Object.freeze({
  error: 'invalid_request',
  error_description: 'The request body is not valid JSON',
});
/** 500 body. */
export const SERVER_ERROR = Object.freeze({ error: 'server_error', error_description: 'Something went wrong' });
/** `GET /health` body. */
export const HEALTHY = Object.freeze({ status: 'ok' });

/** One process's orders, seeded with one order. */
export function createOrderBook() {
  /** @type {Map<string, Order>} */
  const orders = new Map([['1', { id: '1', item: 'espresso beans', quantity: 2, createdBy: 'seed' }]]);
  let next = 2;
  return {
    /** @returns {{ orders: Order[] }} */
    list: () => ({ orders: [...orders.values()] }),
    /** @param {string} id */
    get: (id) => orders.get(id),
    /**
     * Validates `input` (`{ item: string, quantity?: integer 1..1000 }`) and stores the order.
     * @param {unknown} input - the parsed request body
     * @param {string} createdBy - the token's `sub`
     * @returns {{ order: Order } | { error: { error: string, error_description: string } }}
     */
    create(input, createdBy) {
      const { item, quantity = 1 } = /** @type {any} */ (typeof input === 'object' && input !== null ? input : {});
      if (typeof item !== 'string' || item.trim() === '' || item.length > 100) {
        return {
          error: { error: 'invalid_order', error_description: '"item" must be a string of 1 to 100 characters' },
        };
      }
      if (!Number.isInteger(quantity) || quantity < 1 || quantity > 1000) {
        return { error: { error: 'invalid_order', error_description: '"quantity" must be an integer from 1 to 1000' } };
      }
      const order = { id: String(next++), item, quantity, createdBy };
      orders.set(order.id, order);
      return { order };
    },
    /** @param {string} id @returns {boolean} whether it existed */
    remove: (id) => orders.delete(id),
  };
}
