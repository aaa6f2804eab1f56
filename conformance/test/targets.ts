/**
 * The six targets: every supported major of every framework, imported under their aliases.
 */
import formbody4 from '@fastify/formbody4';
import formbody5 from '@fastify/formbody5';
import express4 from 'express4';
import express5 from 'express5';
import fastify4 from 'fastify4';
import fastify5 from 'fastify5';
import koa2 from 'koa2';
import koa3 from 'koa3';
import { expressApp, type ExpressModule } from './apps/express.js';
import { fastifyApp } from './apps/fastify.js';
import { koaApp } from './apps/koa.js';
import type { AppFactory } from './apps/routes.js';

type FastifyFactory = Parameters<typeof fastifyApp>[0];
type Formbody = Parameters<typeof fastifyApp>[1];

export const targets: [name: string, factory: AppFactory][] = [
  ['express4', expressApp(express4 as unknown as ExpressModule)],
  ['express5', expressApp(express5 as unknown as ExpressModule)],
  ['koa2', koaApp(koa2 as unknown as Parameters<typeof koaApp>[0])],
  ['koa3', koaApp(koa3 as unknown as Parameters<typeof koaApp>[0])],
  ['fastify4', fastifyApp(fastify4 as unknown as FastifyFactory, formbody4 as unknown as Formbody)],
  ['fastify5', fastifyApp(fastify5 as unknown as FastifyFactory, formbody5 as unknown as Formbody)],
];
