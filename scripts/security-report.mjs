#!/usr/bin/env node
// `npm run security-report`: writes SECURITY-CASES.md, the security catalogues case by case with the tests
// that cover each case (tests are named by case id) and their outcome, or the reason a case does not apply
// or is not implemented yet.
// Exits 1 when an applicable P0 or P1 case fails or has no test, or when any test named by a case id fails.
//
// Inputs: the catalogues — wave 1 (test/security/catalogue.md, a copy of the project's shared
// reference/security-catalogue.md kept in the repository so that any clone can run it; or
// SECURITY_CATALOGUE) and wave 2 (test/security/catalogue-wave2.md, from reference/security-catalogue-wave2.md;
// or SECURITY_CATALOGUE_WAVE2) —, the vitest JSON report that `npm test` writes (.tmp/vitest.json),
// test/security/not-applicable.json, and test/security/pending.json: wave-2 sections (`"JA"`) or cases
// (`"RS-16"`) whose capability has not landed, each with its reason ("not yet implemented (issue N)"). A
// pending case without a test is reported as pending and does not fail the report; once it has tests they
// count like any other (a failing one fails the report). Wave 1 has no pending cases.
//
// Options: --run (always run the suites here); --report FILE, repeatable (read these vitest JSON reports
// instead: `npm test` passes its SQLite run and its PostgreSQL + Redis run; a case fails if it failed in any).
// A second or later --report that does not exist is skipped (a partial run writes only the first).
// --output FILE, --not-applicable FILE and --pending FILE replace SECURITY-CASES.md,
// test/security/not-applicable.json and test/security/pending.json.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// Each wave's catalogue, with its shared original: when checked out next to the repository, a newer
// catalogue is worth a warning.
const CATALOGUES = [
  { wave: 1, file: resolve(root, process.env.SECURITY_CATALOGUE ?? 'test/security/catalogue.md'), env: 'SECURITY_CATALOGUE', shared: resolve(root, '../shared/reference/security-catalogue.md') },
  { wave: 2, file: resolve(root, process.env.SECURITY_CATALOGUE_WAVE2 ?? 'test/security/catalogue-wave2.md'), env: 'SECURITY_CATALOGUE_WAVE2', shared: resolve(root, '../shared/reference/security-catalogue-wave2.md') },
]
const NOT_APPLICABLE = resolve(root, options('--not-applicable')[0] ?? 'test/security/not-applicable.json')
const PENDING = resolve(root, options('--pending')[0] ?? 'test/security/pending.json')
const OUTPUT = resolve(root, options('--output')[0] ?? 'SECURITY-CASES.md')
const DEFAULT_REPORT = join(root, '.tmp/vitest.json')
const OWN_REPORT = join(root, '.tmp/security-vitest.json')
// Where tests named by case id live: the catalogue suite, the resource middleware (RS), the relying party
// (RP, SC), pages (headers), abuse limits (RL), the log check (ST-04). Folders or single files.
const SUITES = ['test/security', 'test/resource', 'test/client', 'test/ui', 'test/server/abuse', 'test/http', 'test/scripts', 'test/e2e/login-throttle.test.ts']
const PRIORITY_GATE = new Set(['P0', 'P1'])

function fail(message) {
  process.stderr.write(`security-report: ${message}\n`)
  process.exit(2)
}

function options(name) {
  return process.argv.flatMap((arg, index) => (arg === name ? [process.argv[index + 1] ?? fail(`${name} needs a value`)] : []))
}

/** `**AZ-01 · P0 · Title**` headings, grouped under their `## N. Section (XX)` heading. */
function readCatalogue({ wave, file, env, shared }) {
  const name = relative(root, file)
  if (!existsSync(file)) {
    fail(`the wave-${wave} security catalogue is missing at ${file}; restore ${name} or set ${env}`)
  }
  if (process.env[env] === undefined && existsSync(shared) && readFileSync(shared, 'utf8') !== readFileSync(file, 'utf8')) {
    process.stderr.write(`security-report: warning: ${relative(root, shared)} differs from ${name}; copy it over to report against the current catalogue\n`)
  }
  const cases = []
  let section = ''
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const heading = /^## \d+\.\s+(.+?)\s*$/.exec(line)
    if (heading) section = heading[1]
    const match = /^\*\*([A-Z]{2}-\d{2}) · (P[0-2]) · (.+)\*\*\s*$/.exec(line)
    if (match) cases.push({ id: match[1], priority: match[2], title: match[3].replace(/`/g, ''), section, wave })
  }
  if (cases.length === 0) fail(`no cases (**XX-NN · P? · title**) found in ${file}`)
  return cases
}

function readCatalogues() {
  const cases = CATALOGUES.flatMap(readCatalogue)
  const seen = new Set()
  for (const { id } of cases) {
    if (seen.has(id)) fail(`${id} has a heading in more than one catalogue`)
    seen.add(id)
  }
  return cases
}

function readNotApplicable(ids) {
  const table = JSON.parse(readFileSync(NOT_APPLICABLE, 'utf8'))
  for (const [id, reason] of Object.entries(table)) {
    if (!ids.has(id)) fail(`${relative(root, NOT_APPLICABLE)} names ${id}, which is not a case of the catalogue`)
    if (typeof reason !== 'string' || reason.trim() === '') fail(`${relative(root, NOT_APPLICABLE)}: ${id} needs a reason`)
  }
  return table
}

/** Wave-2 sections or cases not implemented yet, by section prefix (`JA`) or case id (`RS-16`), with reasons. */
function readPending(catalogue) {
  if (!existsSync(PENDING)) return {}
  const name = relative(root, PENDING)
  const table = JSON.parse(readFileSync(PENDING, 'utf8'))
  const waveTwo = catalogue.filter((entry) => entry.wave === 2)
  for (const [key, reason] of Object.entries(table)) {
    if (!waveTwo.some((entry) => entry.id === key || entry.id.slice(0, 2) === key)) {
      fail(`${name} names ${key}, which is neither a section (XX) nor a case (XX-NN) of the wave-2 catalogue; wave-1 cases are never pending`)
    }
    if (typeof reason !== 'string' || reason.trim() === '') fail(`${name}: ${key} needs a reason`)
  }
  return table
}

const pendingReason = (pending, entry) => (entry.wave === 2 ? (pending[entry.id] ?? pending[entry.id.slice(0, 2)]) : undefined)

/** The TypeScript files at `path` (a file, or a folder searched recursively). */
function testFiles(path) {
  if (!existsSync(path)) return []
  if (statSync(path).isFile()) return [path]
  return readdirSync(path, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath ?? entry.path, entry.name))
}

/** A report older than any source file or test file of the suites describes code that has changed since. */
function isFresh(report) {
  const written = statSync(report).mtimeMs
  return ['src', ...SUITES].flatMap((path) => testFiles(join(root, path))).every((file) => statSync(file).mtimeMs <= written)
}

function runSuites() {
  const suites = SUITES.filter((suite) => existsSync(join(root, suite)))
  process.stdout.write(`security-report: running vitest on ${suites.join(' ')}\n`)
  mkdirSync(dirname(OWN_REPORT), { recursive: true })
  spawnSync('npx', ['vitest', 'run', ...suites, '--reporter=dot', '--reporter=json', `--outputFile.json=${OWN_REPORT}`], { cwd: root, stdio: 'inherit' })
  if (!existsSync(OWN_REPORT)) fail('vitest wrote no JSON report')
  return OWN_REPORT
}

function readReport(file) {
  const report = JSON.parse(readFileSync(file, 'utf8'))
  if (!Array.isArray(report.testResults)) fail(`${file} is not a vitest JSON report`)
  return report
}

/** The reports to read: the given ones, else `npm test`'s if fresh, else a run of the suites here. */
function reportFiles() {
  const given = options('--report').map((file) => resolve(file))
  if (given.length > 0) {
    if (!existsSync(given[0])) fail(`no report at ${given[0]}`)
    return given.filter((file) => existsSync(file))
  }
  if (!process.argv.includes('--run') && existsSync(DEFAULT_REPORT) && isFresh(DEFAULT_REPORT)) return [DEFAULT_REPORT]
  return [runSuites()]
}

/** Every test whose name (describe blocks included) carries a case id, with its outcome, over all reports. */
function testsByCase(reports, prefixes) {
  const pattern = new RegExp(`\\b(?:${[...prefixes].join('|')})-\\d{2}\\b`, 'g')
  const byCase = new Map()
  for (const file of reports.flatMap((report) => report.testResults)) {
    const path = relative(root, file.name)
    for (const test of file.assertionResults ?? []) {
      const name = [...(test.ancestorTitles ?? []), test.title].join(' › ')
      for (const id of new Set(name.match(pattern) ?? [])) {
        const list = byCase.get(id) ?? []
        list.push({ path, name, status: test.status })
        byCase.set(id, list)
      }
    }
  }
  return byCase
}

function statusOf(tests) {
  if (tests.some((test) => test.status === 'failed')) return 'fail'
  if (tests.some((test) => test.status === 'passed')) return 'pass'
  return 'missing'
}

const cell = (text) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function describeTests(tests, status) {
  if (status === 'fail') return [...new Set(tests.filter((test) => test.status === 'failed').map((test) => `FAILED ${test.path}: ${test.name}`))].join('<br>')
  // Per file, the tests that passed (counted once when several reports ran the same test).
  const names = new Map()
  for (const test of tests) if (test.status === 'passed') names.set(test.path, (names.get(test.path) ?? new Set()).add(test.name))
  return [...names].map(([path, set]) => `\`${path}\` (${set.size})`).join(', ')
}

const catalogue = readCatalogues()
const ids = new Set(catalogue.map((entry) => entry.id))
const notApplicable = readNotApplicable(ids)
const pending = readPending(catalogue)
const files = reportFiles()
const byCase = testsByCase(files.map(readReport), new Set(catalogue.map((entry) => entry.id.slice(0, 2))))

const rows = catalogue.map((entry) => {
  const tests = byCase.get(entry.id) ?? []
  if (notApplicable[entry.id]) return { ...entry, status: 'not applicable', detail: notApplicable[entry.id] }
  const status = statusOf(tests)
  const reason = pendingReason(pending, entry)
  // A capability that has not landed: reported with its reason until its tests arrive, then counted.
  if (status === 'missing' && reason !== undefined) return { ...entry, status: 'pending', detail: reason }
  return { ...entry, status, detail: status === 'missing' ? 'no test named by this id' : describeTests(tests, status) }
})
// Ids the tests use that have no heading of their own (the catalogue cites them only in Appendix B).
const extras = [...byCase].filter(([id]) => !ids.has(id)).sort(([a], [b]) => a.localeCompare(b))
  .map(([id, tests]) => ({ id, status: statusOf(tests), detail: describeTests(tests, statusOf(tests)) }))

const gated = rows.filter((row) => PRIORITY_GATE.has(row.priority))
const count = (list, status) => list.filter((row) => row.status === status).length
const blocking = [...gated.filter((row) => row.status === 'fail' || row.status === 'missing'), ...extras.filter((row) => row.status === 'fail')]

const lines = [
  '# Security cases',
  '',
  'Generated by `npm run security-report` (`scripts/security-report.mjs`) after every `npm test`; do not edit by hand.',
  'Each case of the security catalogues (`test/security/catalogue.md` and, for wave 2, `test/security/catalogue-wave2.md`,',
  'from the project\'s shared reference: RFC 9700, the OpenID conformance suite, OWASP ASVS 5, real CVEs) with the tests',
  'named by its id and their outcome in the last run, why it does not apply to what Tessera implements',
  '(`test/security/not-applicable.json`), or, for a wave-2 capability that has not landed, why it is pending (`test/security/pending.json`).',
  '',
  `P0 and P1: **${count(gated, 'pass')} pass**, ${count(gated, 'not applicable')} not applicable, ${count(gated, 'pending')} pending, ${count(gated, 'missing')} missing, ${count(gated, 'fail')} failing` +
    ` (of ${gated.length}). P2: ${rows.length - gated.length} (${count(rows.filter((row) => !PRIORITY_GATE.has(row.priority)), 'pass')} pass).`,
  '',
]
let section
for (const row of rows) {
  if (row.section !== section) {
    section = row.section
    lines.push('', `## ${section}`, '', '| id | priority | case | status | tests, or why not applicable |', '| --- | --- | --- | --- | --- |')
  }
  lines.push(`| ${row.id} | ${row.priority} | ${cell(row.title)} | ${row.status} | ${cell(row.detail)} |`)
}
if (extras.length > 0) {
  lines.push('', '## Cases cited without a section of their own', '', 'The catalogue names these ids in Appendix B (real vulnerabilities) but gives them no text; the tests cover them from that citation.', '', '| id | status | tests |', '| --- | --- | --- |')
  for (const row of extras) lines.push(`| ${row.id} | ${row.status} | ${cell(row.detail)} |`)
}
writeFileSync(OUTPUT, `${lines.join('\n')}\n`)

process.stdout.write(`security-report: ${relative(root, OUTPUT)} from ${files.map((file) => relative(root, file)).join(' + ')}: P0/P1 ${count(gated, 'pass')} pass, ${count(gated, 'not applicable')} not applicable, ${count(gated, 'pending')} pending, ${count(gated, 'missing')} missing, ${count(gated, 'fail')} failing\n`)
if (blocking.length > 0) {
  process.stderr.write(`security-report: not done: ${blocking.map((row) => `${row.id} ${row.status}`).join(', ')}\n`)
  process.exit(1)
}
