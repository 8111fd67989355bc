/** Types of scripts/check-logs.mjs for the tests that import it. */
export interface LogFinding {
  rule: string
  /** The secret shortened, safe to print. */
  excerpt: string
}
export const LOG_DIR: string
export function fixtureSecrets(source?: string): string[]
export function findSecrets(line: string, knownSecrets?: readonly string[]): LogFinding[]
export function checkLogs(options?: { dir?: string; knownSecrets?: readonly string[] }): { files: number; lines: number; findings: (LogFinding & { file: string; line: number })[] }
export function resetLogs(dir?: string): void
