import { join } from 'node:path'
import { pino, type DestinationStream, type Logger } from 'pino'
import { LOG_OPTIONS } from '../../src/server/audit/redaction.js'

/** Where test servers log; `scripts/check-logs.mjs` greps it for secrets after the full run (catalogue ST-04). */
export const TEST_LOG_DIR = join(process.cwd(), '.tmp', 'logs')

let destination: DestinationStream | undefined

/**
 * A debug-level logger for a test server, configured like `tessera-oidc serve`'s, writing to one file per
 * test process under `.tmp/logs/`. Synchronous writes: a worker that exits loses no line.
 *
 * @example await startStandaloneServer({ ...options, logger: testLogger() })
 */
export function testLogger(): Logger {
  destination ??= pino.destination({ dest: join(TEST_LOG_DIR, `vitest-${process.pid}.log`), sync: true, mkdir: true, append: true })
  return pino({ level: 'debug', ...LOG_OPTIONS }, destination)
}
