// The README's capability example, type-checked with the rest of the project.
import { createAuthorizationServer, OAuthError, type Capability } from 'tessera-oidc/server'
import { openSqliteStore } from 'tessera-oidc/storage/sqlite'

// An extension grant (RFC 6749 §4.5): its own grant_type, dispatched by the token endpoint after client authentication.
const echo: Capability = {
  name: 'echo',
  spec: 'RFC 6749 §4.5',
  grants: [{
    type: 'urn:example:params:oauth:grant-type:echo',
    async handle(_ctx, client, params) {
      const word = params.get('word')
      if (word === undefined) throw new OAuthError('invalid_request', 'Missing word')
      return { status: 200, headers: new Headers({ 'content-type': 'application/json', 'cache-control': 'no-store' }), body: JSON.stringify({ client_id: client.client_id, word }) }
    },
  }],
}
const store = await openSqliteStore({ filename: ':memory:' })
const server = await createAuthorizationServer({ issuer: 'http://localhost:4000', store, secret: 'a local secret of at least 32 characters', capabilities: [echo] })
console.log(server.metadata().grant_types_supported)
