// One import of one entry point in a fresh process (bench/footprint.mjs): `node import-probe.mjs <specifier> time`
// prints the milliseconds the import took; `… files` prints every file the import resolved (ESM through a
// resolve hook, CommonJS through Module._resolveFilename), so that the footprint counts the packages an entry
// point really loads, not the whole dependency tree. Timing runs without the hook, which slows resolution.
// This file is copied next to a package installed elsewhere (better-auth), so it imports nothing but node:.
import Module, { register } from 'node:module'
import { performance } from 'node:perf_hooks'
import { MessageChannel } from 'node:worker_threads'

const [specifier, mode] = process.argv.slice(2)
const files = new Set()
let port
if (mode === 'files') {
  const channel = new MessageChannel()
  port = channel.port1
  port.on('message', (url) => files.add(url))
  const hooks = 'let port; export function initialize(data) { port = data.port }\n' +
    'export async function resolve(specifier, context, next) { const result = await next(specifier, context); port.postMessage(result.url); return result }'
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, { data: { port: channel.port2 }, transferList: [channel.port2] })
  const resolveFilename = Module._resolveFilename
  Module._resolveFilename = function (...args) {
    const file = resolveFilename.apply(this, args)
    files.add(file)
    return file
  }
}
const started = performance.now()
await import(specifier)
const ms = performance.now() - started
if (mode === 'files') {
  // The hook thread's last messages arrive after the import settles.
  await new Promise((resolve) => setTimeout(resolve, 200))
  port.close()
  // Built-in modules come as `node:x` from the hook and as a bare `x` from CommonJS: only files are kept.
  const paths = [...files].map((file) => (file.startsWith('file:') ? new URL(file).pathname : file)).filter((file) => file.startsWith('/'))
  process.stdout.write(`${JSON.stringify(paths)}\n`)
} else {
  process.stdout.write(`${ms}\n`)
}
// An entry point may start timers or pools (a logger's worker, a client's agent): the probe is done.
process.exit(0)
