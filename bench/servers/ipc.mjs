// The control channel between the bench runner and a server under test: requests in, one reply each.
// Only used between measured runs (to prepare codes and tokens), never while wrk is running.
import { writeFileSync } from 'node:fs'

/**
 * Serves the runner's messages: `{ id, op, ... }` → `handlers[op](message)` → `{ id, ok, result | error }`.
 * `prepare` handlers return a list of values, written one per line to `message.file`.
 */
export function serveControl(handlers) {
  process.on('message', async (message) => {
    try {
      const handler = handlers[message.op]
      if (!handler) throw new Error(`unknown op ${message.op}`)
      let result = await handler(message)
      if (message.file && Array.isArray(result)) {
        writeFileSync(message.file, `${result.join('\n')}\n`)
        result = { count: result.length }
      }
      process.send({ id: message.id, ok: true, result })
    } catch (error) {
      process.send({ id: message.id, ok: false, error: String(error?.stack ?? error) })
    }
  })
  process.on('disconnect', () => process.exit(0))
}

export function ready(port, extra = {}) {
  process.send({ id: 0, ok: true, result: { port, pid: process.pid, ...extra } })
}

/** The server's own token endpoint, for tokens a scenario needs but does not measure. */
export async function postForm(url, body, authorization) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', authorization },
    body: new URLSearchParams(body).toString(),
  })
  const json = await response.json()
  if (!response.ok) throw new Error(`${url}: ${response.status} ${JSON.stringify(json)}`)
  return json
}
