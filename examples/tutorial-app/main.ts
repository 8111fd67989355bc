// `node dist/examples/tutorial-app/main.js` (what `npm start` runs): the tutorial app on APP_PORT (3000).
import { randomBytes } from 'node:crypto'
import { openSqliteClientStore } from 'tessera-oidc/client/sqlite'
import { createTutorialApp } from './app.js'
import { tutorialConfigFromEnv } from './config.js'

let secret = process.env.APP_SECRET
if (!secret) {
  secret = randomBytes(32).toString('base64url')
  console.warn('APP_SECRET is not set: using a random one, so sessions end when the app restarts')
}
const config = tutorialConfigFromEnv(process.env, secret)
// With APP_DB, sessions are kept in SQLite and survive restarts (with the same APP_SECRET).
const store = process.env.APP_DB ? await openSqliteClientStore({ filename: process.env.APP_DB }) : undefined
const app = createTutorialApp({ ...config, ...(store ? { store } : {}) })
const port = Number(process.env.APP_PORT ?? 3000)
const server = app.listen(port, process.env.APP_HOST ?? '127.0.0.1', () => console.log(`Tutorial app: ${config.appUrl}`))
const stop = (): void => {
  server.close(() => process.exit(0))
  server.closeAllConnections()
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
