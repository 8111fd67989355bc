/**
 * `tessera`: OAuth 2.0 and OpenID Connect for TypeScript. This root re-exports the shared error type; the
 * parts live at their own entry points (package.json `exports`), each importable alone:
 *
 * | entry point | what |
 * | --- | --- |
 * | `tessera/server` | the authorization server and OpenID provider (`createAuthorizationServer`, admin functions, capabilities) |
 * | `tessera/storage/sqlite` | the embedded default store (better-sqlite3) |
 * | `tessera/storage/memory` | an in-process store for tests and single-process demos |
 * | `tessera/storage/postgres` | PostgreSQL (several instances) |
 * | `tessera/storage/redis` | Redis for short-lived records, beside PostgreSQL |
 * | `tessera/storage/composite` | `openPostgresRedisStore`: PostgreSQL + Redis as one store |
 * | `tessera/adapters/node` | mount the authorization server on node:http |
 * | `tessera/adapters/hono` | mount the authorization server on Hono |
 * | `tessera/resource` | protect an API: RFC 9068 JWTs or RFC 7662 introspection, RFC 6750 challenges, RFC 9728 metadata |
 * | `tessera/adapters/hono-resource` | `tessera/resource` as Hono middleware |
 * | `tessera/adapters/express-resource` | `tessera/resource` as Express middleware |
 * | `tessera/adapters/fastify-resource` | `tessera/resource` as a Fastify hook |
 * | `tessera/client` | the relying party: "Log in with …", sessions, refresh, on oauth4webapi |
 * | `tessera/client/sqlite` | the relying party's SQLite store |
 * | `tessera/client/postgres` | the relying party's PostgreSQL store |
 * | `tessera/client/redis` | the relying party's Redis store |
 * | `tessera/adapters/hono-client` | `tessera/client` routes for Hono |
 * | `tessera/adapters/express-client` | `tessera/client` routes for Express |
 * | `tessera/adapters/fastify-client` | `tessera/client` routes for Fastify |
 * | `tessera/doctor` | check a deployment as clients use it: authorization server metadata, keys, registration, MCP servers |
 *
 * The `tessera` command (`tessera serve`, `client`, `user`, `keys`, `migrate`, `audit`, `doctor`) is the package's bin.
 * How the parts depend on each other: docs/architecture.md.
 *
 * @module tessera
 */
export { OAuthError, isOAuthError, type OAuthErrorCode } from './errors.js'
export type { OAuthRequest, OAuthResponse } from './http/types.js'
