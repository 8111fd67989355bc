// The relying party and the resource server of the example, configured from the environment on first use:
// `next build` loads these modules without the app's secrets.
import { createMemoryClientStore, createOAuth } from 'tessera-oidc/client'
import { createNextAuth } from 'tessera-oidc/next'
import { createResourceServer, type ResourceServer } from 'tessera-oidc/resource'

function env(name: string, fallback?: string): string {
  const value = process.env[name] ?? fallback
  if (!value) throw new Error(`Set ${name}`)
  return value
}

const issuer = (): string => env('TESSERA_ISSUER', 'http://localhost:4000')

/** Where browsers reach the app: the callback is `<APP_URL>/auth/callback/tessera`. */
export const appUrl = (): string => env('APP_URL', 'http://localhost:3000')

export const auth = createNextAuth(() => {
  // In memory: one instance, sessions lost on restart. Several instances share openRedisClientStore or openPostgresClientStore.
  const oauth = createOAuth({ store: createMemoryClientStore(), secret: env('APP_SECRET') })
  oauth.register({
    name: 'tessera',
    preset: 'tessera',
    issuer: issuer(),
    clientId: env('TESSERA_CLIENT_ID'),
    clientSecret: env('TESSERA_CLIENT_SECRET'),
    // Least privilege: read-only notes (the demo API's scope); offline_access for the refresh token.
    scope: 'openid profile email offline_access notes:read',
    allowInsecureLoopback: new URL(issuer()).protocol === 'http:',
  })
  return { oauth, appUrl: appUrl(), providers: ['tessera'] }
})

let resourceServer: ResourceServer | undefined

/**
 * The app's own API accepts the access tokens Tessera issues for its demo API (`<issuer>/api`): in a real
 * deployment the API is a resource of its own at the provider, with its own identifier as the audience.
 */
export function api(): ResourceServer {
  return (resourceServer ??= createResourceServer({ issuer: issuer(), audience: `${issuer()}/api` }))
}
