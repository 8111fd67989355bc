/**
 * `scripts/security-report.mjs` on a small catalogue and hand-written vitest reports: how case ids map to
 * tests, and when the report fails. (Test names here carry no real case id, or the report of the real run
 * would count them as coverage.)
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const directory = mkdtempSync(join(tmpdir(), 'tessera-report-'))
afterAll(() => rmSync(directory, { recursive: true, force: true }))

const catalogue = join(directory, 'catalogue.md')
writeFileSync(catalogue, [
  '## 1. Authorization endpoint (ZZ)',
  '**ZZ-01 · P0 · First case**',
  '**ZZ-02 · P1 · Second case with `code`**',
  '**ZZ-03 · P2 · Optional case**',
  '## 2. Registration (YY)',
  '**YY-01 · P0 · Not ours**',
].join('\n'))
const notApplicable = join(directory, 'not-applicable.json')
writeFileSync(notApplicable, JSON.stringify({ 'YY-01': 'No registration endpoint.' }))
// Wave 2: a section whose capability has not landed (XA, pending), one that has (XB), and an optional case.
const waveTwo = join(directory, 'catalogue-wave2.md')
writeFileSync(waveTwo, [
  '## 14. Not landed yet (XA)',
  '**XA-01 · P0 · Pending case**',
  '## 15. Landed (XB)',
  '**XB-01 · P2 · Optional wave-2 case**',
].join('\n'))
const pending = join(directory, 'pending.json')
writeFileSync(pending, JSON.stringify({ XA: 'not yet implemented (issue 99)' }))

interface FakeTest {
  file: string
  describe?: string
  title: string
  status: 'passed' | 'failed' | 'skipped'
}

let runs = 0

/** Runs the script on a vitest-shaped report of `tests`; returns its exit code, output and SECURITY-CASES.md. */
function report(tests: FakeTest[], extra: string[] = [], env: Record<string, string> = {}): { status: number | null; stderr: string; markdown: string } {
  const name = `report-${++runs}`
  const files = [...new Set(tests.map((test) => test.file))]
  const json = {
    testResults: files.map((file) => ({
      name: join(process.cwd(), file),
      assertionResults: tests.filter((test) => test.file === file).map((test) => ({ ancestorTitles: test.describe ? [test.describe] : [], title: test.title, status: test.status })),
    })),
  }
  const reportFile = join(directory, `${name}.json`)
  const output = join(directory, `${name}.md`)
  writeFileSync(reportFile, JSON.stringify(json))
  const result = spawnSync(process.execPath, ['scripts/security-report.mjs', '--report', reportFile, '--output', output, '--not-applicable', notApplicable, ...(extra.includes('--pending') ? [] : ['--pending', pending]), ...extra], {
    env: { ...process.env, SECURITY_CATALOGUE: catalogue, SECURITY_CATALOGUE_WAVE2: waveTwo, ...env },
    encoding: 'utf8',
  })
  let markdown = ''
  try {
    markdown = readFileSync(output, 'utf8')
  } catch {
    // no report written
  }
  return { status: result.status, stderr: result.stderr, markdown }
}

const row = (markdown: string, id: string): string => markdown.split('\n').find((line) => line.startsWith(`| ${id} |`)) ?? ''

describe('security report', () => {
  it('passes when every P0 and P1 case passes or does not apply, and lists each with its tests or reason', () => {
    const { status, markdown } = report([
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' },
      { file: 'test/security/a.test.ts', describe: 'ZZ-02 second', title: 'a variant', status: 'passed' },
      { file: 'test/client/b.test.ts', describe: 'ZZ-02 second', title: 'another variant', status: 'passed' },
    ])
    expect(status).toBe(0)
    expect(row(markdown, 'ZZ-01')).toBe('| ZZ-01 | P0 | First case | pass | `test/security/a.test.ts` (1) |')
    expect(row(markdown, 'ZZ-02')).toBe('| ZZ-02 | P1 | Second case with code | pass | `test/security/a.test.ts` (1), `test/client/b.test.ts` (1) |')
    expect(row(markdown, 'ZZ-03')).toContain('| missing |')
    expect(row(markdown, 'YY-01')).toBe('| YY-01 | P0 | Not ours | not applicable | No registration endpoint. |')
    expect(markdown).toContain('## Authorization endpoint (ZZ)')
    expect(markdown).toContain('**2 pass**, 1 not applicable, 1 pending, 0 missing, 0 failing')
  })

  it('fails on an applicable P0 or P1 case without a test, but not on a P2 one', () => {
    const { status, stderr, markdown } = report([{ file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' }])
    expect(status).toBe(1)
    expect(stderr).toContain('ZZ-02 missing')
    expect(stderr).not.toContain('ZZ-03')
    expect(row(markdown, 'ZZ-02')).toContain('| missing | no test named by this id |')
  })

  it('fails on a failing test, naming it; a skipped test counts as no test', () => {
    const failing = report([
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'failed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-01 again', status: 'passed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-02 second', status: 'passed' },
    ])
    expect(failing.status).toBe(1)
    expect(row(failing.markdown, 'ZZ-01')).toContain('| fail | FAILED test/security/a.test.ts: ZZ-01 first |')
    const skipped = report([
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-02 second', status: 'skipped' },
    ])
    expect(skipped.status).toBe(1)
    expect(row(skipped.markdown, 'ZZ-02')).toContain('| missing |')
  })

  it('merges several reports: a case fails when it failed in any of them; a later missing report is skipped', () => {
    const tests: FakeTest[] = [
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-02 second', status: 'passed' },
    ]
    const second = join(directory, 'second.json')
    writeFileSync(second, JSON.stringify({ testResults: [{ name: join(process.cwd(), 'test/security/a.test.ts'), assertionResults: [{ ancestorTitles: [], title: 'ZZ-02 second', status: 'failed' }] }] }))
    expect(report(tests, ['--report', join(directory, 'absent.json')]).status).toBe(0)
    const merged = report(tests, ['--report', second])
    expect(merged.status).toBe(1)
    expect(row(merged.markdown, 'ZZ-02')).toContain('| fail |')
  })

  it('refuses a not-applicable entry for an id the catalogue does not have, and a missing catalogue', () => {
    const stray = join(directory, 'stray.json')
    writeFileSync(stray, JSON.stringify({ 'XX-99': 'made up' }))
    const result = spawnSync(process.execPath, ['scripts/security-report.mjs', '--report', join(directory, 'report-1.json'), '--output', join(directory, 'stray.md'), '--not-applicable', stray], { env: { ...process.env, SECURITY_CATALOGUE: catalogue, SECURITY_CATALOGUE_WAVE2: waveTwo }, encoding: 'utf8' })
    expect(result.status).toBe(2)
    expect(result.stderr).toContain('XX-99')
    const missing = spawnSync(process.execPath, ['scripts/security-report.mjs'], { env: { ...process.env, SECURITY_CATALOGUE: join(directory, 'none.md') }, encoding: 'utf8' })
    expect(missing.status).toBe(2)
    expect(missing.stderr).toContain('security catalogue is missing')
  })

  it('reports the wave-2 catalogue: a pending case without tests shows its reason and does not fail the report', () => {
    const { status, markdown } = report([
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-02 second', status: 'passed' },
    ])
    expect(status).toBe(0)
    expect(markdown).toContain('## Not landed yet (XA)')
    expect(row(markdown, 'XA-01')).toBe('| XA-01 | P0 | Pending case | pending | not yet implemented (issue 99) |')
    expect(row(markdown, 'XB-01')).toContain('| missing |')
  })

  it('counts a pending case\'s tests once they exist: passing, it passes; failing, the report fails', () => {
    const base: FakeTest[] = [
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-02 second', status: 'passed' },
    ]
    const passing = report([...base, { file: 'test/security/x.test.ts', title: 'XA-01 landed', status: 'passed' }])
    expect(passing.status).toBe(0)
    expect(row(passing.markdown, 'XA-01')).toContain('| pass | `test/security/x.test.ts` (1) |')
    const failing = report([...base, { file: 'test/security/x.test.ts', title: 'XA-01 landed', status: 'failed' }])
    expect(failing.status).toBe(1)
    expect(failing.stderr).toContain('XA-01 fail')
  })

  it('fails on a wave-2 P0 or P1 case that is not pending and has no test, and keeps wave 1 strict', () => {
    const landed = join(directory, 'landed-wave2.md')
    writeFileSync(landed, ['## 14. Not landed yet (XA)', '**XA-01 · P0 · Pending case**', '## 15. Landed (XB)', '**XB-01 · P1 · Landed case**'].join('\n'))
    const { status, stderr } = report([
      { file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' },
      { file: 'test/security/a.test.ts', title: 'ZZ-02 second', status: 'passed' },
    ], [], { SECURITY_CATALOGUE_WAVE2: landed })
    expect(status).toBe(1)
    expect(stderr).toContain('XB-01 missing')
    expect(stderr).not.toContain('XA-01')
    // A pending entry may name only wave-2 sections or cases: wave 1 cannot be waved through.
    const waveOne = join(directory, 'pending-wave1.json')
    writeFileSync(waveOne, JSON.stringify({ ZZ: 'not yet implemented' }))
    const refused = report([{ file: 'test/security/a.test.ts', title: 'ZZ-01 first', status: 'passed' }], ['--pending', waveOne])
    expect(refused.status).toBe(2)
    expect(refused.stderr).toContain('wave-1 cases are never pending')
  })

  it('refuses a case id with a heading in both catalogues, and a missing wave-2 catalogue', () => {
    const duplicate = join(directory, 'duplicate-wave2.md')
    writeFileSync(duplicate, ['## 14. Again (ZZ)', '**ZZ-01 · P0 · Same id again**'].join('\n'))
    const twice = report([], [], { SECURITY_CATALOGUE_WAVE2: duplicate })
    expect(twice.status).toBe(2)
    expect(twice.stderr).toContain('ZZ-01 has a heading in more than one catalogue')
    const absent = report([], [], { SECURITY_CATALOGUE_WAVE2: join(directory, 'none-wave2.md') })
    expect(absent.status).toBe(2)
    expect(absent.stderr).toContain('wave-2 security catalogue is missing')
  })
})
