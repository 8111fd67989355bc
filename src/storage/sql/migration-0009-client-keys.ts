import type { Kysely, Migration } from 'kysely'

// See migrations.ts: `unknown` instead of `any`, because a migration must not depend on today's schema type.
type AnyDb = Kysely<unknown>

/**
 * Client metadata of issue 15: the client's public keys (`jwks` as JSON text, or `jwks_uri`) and
 * `token_endpoint_auth_signing_alg` for JWT client authentication (RFC 7523 §2.2, OIDC Core §9), the
 * sealed secret of a `client_secret_jwt` client (an HMAC key cannot be kept as a hash), and the PAR
 * (RFC 9126 §6) and DPoP (RFC 9449 §5.2) flags. Existing rows become what they were: no keys, no flags.
 */
export const clientKeysMigration: Migration = {
  async up(db: AnyDb) {
    const clients = () => db.schema.alterTable('clients')
    await clients().addColumn('jwks', 'text').execute()
    await clients().addColumn('jwks_uri', 'text').execute()
    await clients().addColumn('token_endpoint_auth_signing_alg', 'text').execute()
    await clients().addColumn('client_secret_sealed', 'text').execute()
    await clients().addColumn('require_pushed_authorization_requests', 'integer', (c) => c.notNull().defaultTo(0)).execute()
    await clients().addColumn('dpop_bound_access_tokens', 'integer', (c) => c.notNull().defaultTo(0)).execute()
  },
}
