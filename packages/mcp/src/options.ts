/**
 * The options of `mcpAuth()` and `tokenVerifier()`: core's `AuthOptions` with `resource`
 * required (the MCP server's canonical URL, RFC 8707) and the scopes every request needs.
 */
import type { AuthOptions } from '@bearer-guard/core';

/**
 * Options of {@link mcpAuth} and {@link tokenVerifier}: every core option (key source, `issuer`,
 * `clockTolerance`, `revocation`…), with `resource` required.
 */
export type McpAuthOptions = AuthOptions & {
  /**
   * The MCP server's canonical URL (RFC 8707 §2), e.g. `'https://api.example.com/mcp'`: the
   * `aud` its tokens must carry (unless `audience` says otherwise), the `resource` of its
   * protected resource metadata (RFC 9728), and the path `mcpAuth()` protects (that path and
   * below).
   */
  resource: string;
  /**
   * Scopes every request needs (a token without one of them: 403 `insufficient_scope`, naming
   * them); also the default `scopes_supported` of the metadata document. Default: none.
   */
  scopes?: string[] | undefined;
};

/** `options` checked, and the core options made from them. */
export interface ResolvedMcpOptions {
  core: AuthOptions;
  resource: string;
  scopes: readonly string[];
}

/**
 * Checks what MCP adds to core's options (core checks the rest when the verifier is made) and
 * fills `scopes_supported` from `scopes`. Throws a `TypeError` naming the option.
 */
export function resolveMcpOptions(options: McpAuthOptions, caller: string): ResolvedMcpOptions {
  if (typeof options !== 'object' || options === null) {
    throw new TypeError(
      `${caller}: options must be an object, e.g. { resource: 'https://api.example.com/mcp', issuer }`,
    );
  }
  const { scopes: given, ...core } = options as McpAuthOptions & Record<string, unknown>;
  if (typeof core.resource !== 'string') {
    throw new TypeError(
      `${caller}: \`resource\` is required: the MCP server's canonical URL, e.g. resource: 'https://api.example.com/mcp'`,
    );
  }
  if (given !== undefined && (!Array.isArray(given) || given.some((s) => typeof s !== 'string'))) {
    throw new TypeError(`${caller}: \`scopes\` must be an array of scope strings, e.g. scopes: ['mcp:tools']`);
  }
  const locations = core.tokenLocations;
  if (locations !== undefined && (!Array.isArray(locations) || locations.some((l) => l !== 'header'))) {
    // MCP authorization, "Token Requirements": the Authorization header only, never the query string.
    throw new TypeError(
      `${caller}: \`tokenLocations\` can only be ['header']: MCP clients send tokens in the Authorization header`,
    );
  }
  const scopes = Object.freeze([...(given ?? [])]);
  const metadata = core.resourceMetadata;
  if (scopes.length > 0 && metadata !== false && metadata?.scopes_supported === undefined) {
    core.resourceMetadata = { ...metadata, scopes_supported: [...scopes] };
  }
  return { core: core as AuthOptions, resource: core.resource, scopes };
}
