// `node dist/examples/tutorial-app/main.js` (what `npm start` runs): the tutorial app on APP_PORT (3000).
import { randomBytes } from 'node:crypto'
import type { RelyingPartyStore } from 'tessera-oidc/client'
import { openPostgresClientStore } from 'tessera-oidc/client/postgres'
import { openRedisClientStore } from 'tessera-oidc/client/redis'
import { openSqliteClientStore } from 'tessera-oidc/client/sqlite'
import { createTutorialApp } from './app.js'
import { tutorialConfigFromEnv } from './config.js'

let secret = process.env.APP_SECRET
if (!secret) {
  secret = randomBytes(32).toString('base64url')
  console.warn('APP_SECRET is not set: using a random one, so sessions end when the app restarts')
}
const config = tutorialConfigFromEnv(process.env, secret)
// With APP_DB, sessions are kept in SQLite and survive restarts (with the same APP_SECRET). Several instances
// behind a load balancer share APP_DATABASE_URL (PostgreSQL) or APP_REDIS_URL instead: logins, sessions and
// the one refresh of a session at a time (its refresh lease) are then the same on every instance.
async function openStore(env: NodeJS.ProcessEnv): Promise<RelyingPartyStore | undefined> {
  if (env.APP_DATABASE_URL) return openPostgresClientStore({ connectionString: env.APP_DATABASE_URL })
  if (env.APP_REDIS_URL) return openRedisClientStore({ url: env.APP_REDIS_URL, ...(env.APP_REDIS_PREFIX ? { prefix: env.APP_REDIS_PREFIX } : {}) })
  if (env.APP_DB) return openSqliteClientStore({ filename: env.APP_DB })
  return undefined
}
const store = await openStore(process.env)
const app = createTutorialApp({ ...config, ...(store ? { store } : {}) })
const port = Number(process.env.APP_PORT ?? 3000)
const server = app.listen(port, process.env.APP_HOST ?? '127.0.0.1', () => console.log(`Tutorial app: ${config.appUrl}`))
const stop = (): void => {
  server.close(() => void (store?.close() ?? Promise.resolve()).finally(() => process.exit(0)))
  server.closeAllConnections()
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
