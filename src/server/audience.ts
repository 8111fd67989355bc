import type { ServerContext } from './context.js'

/**
 * The `aud` of an access token: the resource the client asked for (RFC 8707 §2), else every configured
 * API whose scopes were granted, else the issuer itself (a token only good for userinfo).
 */
export function audienceFor(ctx: ServerContext, scopes: readonly string[], resource: string | null | undefined): string[] {
  if (resource) return [resource]
  const audiences = ctx.config.resources
    .filter((api) => scopes.some((scope) => scope in api.scopes))
    .map((api) => api.identifier)
  return audiences.length > 0 ? audiences : [ctx.config.issuer]
}
