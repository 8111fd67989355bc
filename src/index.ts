/**
 * `tessera-oidc`: OAuth 2.0 and OpenID Connect for TypeScript. This root re-exports the shared error type and
 * the Web `Request`/`Response` conversions (`fromWebRequest`, `toWebResponse`); the parts live at their own
 * entry points (package.json `exports`), each importable alone:
 *
 * | entry point | what |
 * | --- | --- |
 * | `tessera-oidc/server` | the authorization server and OpenID provider (`createAuthorizationServer`, admin functions, capabilities) |
 * | `tessera-oidc/storage/sqlite` | the embedded default store (better-sqlite3) |
 * | `tessera-oidc/storage/memory` | an in-process store for tests and single-process demos |
 * | `tessera-oidc/storage/postgres` | PostgreSQL (several instances) |
 * | `tessera-oidc/storage/redis` | Redis for short-lived records, beside PostgreSQL |
 * | `tessera-oidc/storage/composite` | `openPostgresRedisStore`: PostgreSQL + Redis as one store |
 * | `tessera-oidc/adapters/node` | mount the authorization server on node:http |
 * | `tessera-oidc/adapters/hono` | mount the authorization server on Hono |
 * | `tessera-oidc/resource` | protect an API: RFC 9068 JWTs or RFC 7662 introspection, RFC 6750 challenges, RFC 9728 metadata |
 * | `tessera-oidc/adapters/hono-resource` | `tessera-oidc/resource` as Hono middleware |
 * | `tessera-oidc/adapters/express-resource` | `tessera-oidc/resource` as Express middleware |
 * | `tessera-oidc/adapters/fastify-resource` | `tessera-oidc/resource` as a Fastify plugin |
 * | `tessera-oidc/client` | the relying party: "Log in with …", sessions, refresh, on oauth4webapi |
 * | `tessera-oidc/client/sqlite` | the relying party's SQLite store |
 * | `tessera-oidc/client/postgres` | the relying party's PostgreSQL store |
 * | `tessera-oidc/client/redis` | the relying party's Redis store |
 * | `tessera-oidc/adapters/hono-client` | `tessera-oidc/client` as Hono middleware |
 * | `tessera-oidc/adapters/express-client` | `tessera-oidc/client` routes for Express |
 * | `tessera-oidc/adapters/fastify-client` | `tessera-oidc/client` as a Fastify plugin |
 * | `tessera-oidc/next` | Next.js App Router: the `tessera-oidc/client` routes as a catch-all route handler, `getSession()`, `withResource` for route handlers |
 * | `tessera-oidc/doctor` | check a deployment as clients use it: authorization server metadata, keys, registration, MCP servers |
 *
 * The `tessera` command (`tessera-oidc serve`, `client`, `user`, `keys`, `migrate`, `audit`, `doctor`) is the package's bin.
 * How the parts depend on each other: docs/architecture.md.
 *
 * @module tessera-oidc
 */
export { OAuthError, isOAuthError, type OAuthErrorCode } from './errors.js'
export { MissingDependencyError } from './crypto/optional-module.js'
export type { OAuthRequest, OAuthResponse } from './http/types.js'
export { BodyTooLargeError, fromWebRequest, toWebResponse } from './http/web.js'
