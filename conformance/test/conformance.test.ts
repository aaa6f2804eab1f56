/**
 * Runs every row of the table against every target (Express 4/5, Koa 2/3, Fastify 4/5), each a
 * real server on 127.0.0.1 verifying real tokens against a real JWKS endpoint, then checks that
 * all six targets gave identical answers. The machinery is `helpers/run-table.ts`, shared with
 * the hostile-input table (`hostile.test.ts`).
 */
import { runTable } from './helpers/run-table.js';
import { DEFAULT_OPTIONS, rows } from './table.js';

runTable({ rows, defaults: DEFAULT_OPTIONS, minRows: 60 });
