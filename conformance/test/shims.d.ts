/**
 * Types for the aliased framework majors (typed with the current major's types) and for
 * @koa/router 13, which ships none.
 */
declare module 'express4' {
  import express from 'express';
  export default express;
}
declare module 'express5' {
  import express from 'express';
  export default express;
}
declare module 'koa2' {
  import Koa from 'koa';
  export default Koa;
}
declare module 'koa3' {
  import Koa from 'koa';
  export default Koa;
}
declare module '@koa/router' {
  import type { DefaultState, Middleware } from 'koa';
  // biome-ignore lint/suspicious/noExplicitAny: @koa/router's own context type, whatever it is
  type AnyMiddleware = Middleware<DefaultState & Record<string, unknown>, any>;
  export default class Router {
    constructor(options?: { prefix?: string });
    use(...middleware: AnyMiddleware[]): this;
    get(path: string, ...middleware: AnyMiddleware[]): this;
    post(path: string, ...middleware: AnyMiddleware[]): this;
    options(path: string, ...middleware: AnyMiddleware[]): this;
    routes(): AnyMiddleware;
  }
}
