// The README's "Using it as a library" example, type-checked with the rest of the project.
import { createServer } from 'node:http'
import { createAuthorizationServer } from 'tessera-oidc/server'
import { openSqliteStore } from 'tessera-oidc/storage/sqlite'
import { nodeHandler } from 'tessera-oidc/adapters/node'

const secret = process.env.TESSERA_SECRET
if (!secret) throw new Error('Set TESSERA_SECRET (at least 32 characters)')

const store = await openSqliteStore({ filename: './data/tessera.db' })
const server = await createAuthorizationServer({
  issuer: 'http://localhost:4000',
  store,
  secret,
  resources: [{ identifier: 'http://localhost:4000/api', scopes: { 'notes:read': 'Read your notes' } }],
})
createServer(nodeHandler(server, server.issuer)).listen(4000)
