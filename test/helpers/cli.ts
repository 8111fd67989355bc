import { spawn, type ChildProcess } from 'node:child_process'
import { join } from 'node:path'

/** The built `tessera` command (scripts/test.mjs builds dist/ before the suites run). */
export const TESSERA_BIN = join(process.cwd(), 'dist/cli/main.js')

export interface ServeProcess {
  child: ChildProcess
  url: string
  /** Everything the process printed so far. */
  output(): string
  /** SIGTERM, resolved once the process has exited. */
  stop(): Promise<void>
}

/**
 * Starts `tessera-oidc serve --port 0 --db <db> …args`; resolves with its URL once it listens. With `demo` (the
 * default) the demo notes API and seed come too, as most suites use them.
 */
export function startServe(db: string, args: readonly string[], env: NodeJS.ProcessEnv, { demo = true }: { demo?: boolean } = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [TESSERA_BIN, 'serve', '--port', '0', '--db', db, ...(demo ? ['--demo'] : []), ...args], { env })
  let output = ''
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${output}`)), 20_000)
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString()
      const match = /authorization server: (http:\/\/\S+)/.exec(output)
      if (match?.[1]) {
        clearTimeout(timer)
        const stop = () => new Promise<void>((done) => {
          child.removeAllListeners('exit')
          if (child.exitCode !== null || child.signalCode !== null) return done()
          child.once('exit', () => done())
          child.kill('SIGTERM')
        })
        resolve({ child, url: match[1], output: () => output, stop })
      }
    })
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)))
  })
}
