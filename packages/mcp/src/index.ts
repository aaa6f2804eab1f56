/**
 * @bearer-guard/mcp: bearer-guard for MCP servers on Express with the official MCP TypeScript
 * SDK: RFC 9728 metadata, resource-bound tokens (RFC 8707), and the SDK's `AuthInfo` in every
 * tool handler.
 *
 * @example
 * ```ts
 * import express from 'express';
 * import { mcpAuth, requireToolScopes } from '@bearer-guard/mcp';
 *
 * const app = express();
 * app.use(express.json());
 * app.use(mcpAuth({ resource: 'https://api.example.com/mcp', issuer: 'https://auth.example.com/', scopes: ['mcp:tools'] }));
 * ```
 * @packageDocumentation
 */
export { mcpAuth, type McpAuthMiddleware } from './mcp-auth.js';
export { tokenVerifier, type McpTokenVerifier } from './token-verifier.js';
export { requireToolScopes, InsufficientToolScopeError, type InsufficientToolScopeData } from './tool-scopes.js';
export type { McpAuthOptions } from './options.js';
export type { McpAuthExtra } from './auth-info.js';
