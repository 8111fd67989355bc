// `npm run bench -- --soak 20m` (issue 20): `tessera-oidc serve` as shipped under a steady mix of traffic
// (bench/clients/soak.mjs) for a long time. Every interval (a minute in a long soak) it records the
// client's latency and unexpected answers beside the server's resident memory and database size, then
// writes bench/results/<stamp>-soak.json, a chart (-soak.svg) and a table (-soak.md).
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { LOAD_CORE, spawnPinned, startServer } from './server-process.mjs'

const SHIPPED = fileURLToPath(new URL('../servers/shipped.mjs', import.meta.url))
const SOAK_CLIENT = fileURLToPath(new URL('../clients/soak.mjs', import.meta.url))
/** Issue 20's criterion: RSS after warm-up grows less than this over the rest of the soak. */
export const RSS_GROWTH_LIMIT = 0.1

/** `20m`, `30s`, `1h` or plain seconds. */
export function parseSoakDuration(text) {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)?$/.exec(text ?? '')
  if (!match) throw new Error(`--soak ${text}: expected a duration such as 20m, 30s or 1h`)
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] ?? 's']
}

const residentMiB = (pid) => Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024
/** The SQLite file with its WAL and shared-memory files: what the deployment's disk holds. */
function databaseMiB(dir) {
  return readdirSync(dir).filter((name) => name.startsWith('tessera.db')).reduce((sum, name) => sum + statSync(join(dir, name)).size, 0) / 1024 ** 2
}

/**
 * Runs the soak and writes its results; resolves with them. `rate`: operations per second offered
 * (paced, not as fast as possible: a soak looks for drift, not for the ceiling).
 */
export async function runSoak({ seconds, rate = 150, concurrency = 8, workDir, resultsDir, stamp, log, environment }) {
  const interval = seconds >= 600 ? 60 : Math.max(5, Math.round(seconds / 6))
  const server = await startServer(SHIPPED, { dir: join(workDir, 'soak.data') }, { logFile: join(workDir, 'soak.log') })
  const samples = []
  try {
    log(`soak: tessera-oidc serve at ${server.url} (pid ${server.pid}), ${rate} operations/s for ${seconds} s, a sample every ${interval} s`)
    samples.push({ t: 0, rssMiB: residentMiB(server.pid), databaseMiB: databaseMiB(server.dir) })
    await new Promise((resolve, reject) => {
      const client = spawnPinned(LOAD_CORE, process.execPath, [SOAK_CLIENT, JSON.stringify({
        url: server.url, seconds, interval, rate, concurrency, clientId: server.clientId, authorization: server.authorization, username: server.username,
      })])
      let pending = ''
      let output = ''
      client.stdout.on('data', (chunk) => {
        pending += chunk
        let newline
        while ((newline = pending.indexOf('\n')) !== -1) {
          const line = pending.slice(0, newline)
          pending = pending.slice(newline + 1)
          if (!line.startsWith('SOAK_SAMPLE ')) continue
          const sample = { ...JSON.parse(line.slice('SOAK_SAMPLE '.length)), rssMiB: residentMiB(server.pid), databaseMiB: databaseMiB(server.dir) }
          samples.push(sample)
          log(`   ${sample.t} s: ${sample.operations} operations, p99 ${sample.p99Ms.toFixed(1)} ms, ${sample.errors} unexpected (${sample.serverErrors} 5xx), RSS ${sample.rssMiB.toFixed(0)} MiB, database ${sample.databaseMiB.toFixed(1)} MiB${sample.firstErrors.length ? ` — ${sample.firstErrors[0]}` : ''}`)
        }
      })
      client.stderr.on('data', (chunk) => { output += chunk })
      client.on('error', reject)
      client.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`soak client failed (exit ${code}):\n${output}`))))
    })
  } finally {
    await server.stop()
  }
  const results = { file: `${stamp}-soak.json`, mode: 'soak', seconds, interval, rate, concurrency, environment, samples, summary: summarize(samples, seconds) }
  writeFileSync(join(resultsDir, results.file), `${JSON.stringify(results, null, 2)}\n`)
  writeFileSync(join(resultsDir, `${stamp}-soak.svg`), renderSoakChart(results))
  // The table is written to be included in BENCHMARKS.md (`--render`), hence the chart's path from the repository root.
  writeFileSync(join(resultsDir, `${stamp}-soak.md`), renderSoakMarkdown(results, `bench/results/${stamp}-soak.svg`))
  return results
}

/** The issue's criteria: no 5xx, RSS after warm-up (the first quarter) growing less than 10%. */
export function summarize(samples, seconds) {
  const measured = samples.filter((sample) => sample.t > 0)
  const afterWarmup = measured.filter((sample) => sample.t >= seconds / 4)
  const baseline = afterWarmup[0]?.rssMiB ?? NaN
  const last = measured.at(-1)
  const rssGrowth = (Math.max(...afterWarmup.map((sample) => sample.rssMiB)) - baseline) / baseline
  return {
    operations: measured.reduce((sum, sample) => sum + sample.operations, 0),
    unexpected: measured.reduce((sum, sample) => sum + sample.errors, 0),
    serverErrors: measured.reduce((sum, sample) => sum + sample.serverErrors, 0),
    worstP99Ms: Math.max(...measured.map((sample) => sample.p99Ms)),
    rssAfterWarmupMiB: baseline,
    rssPeakAfterWarmupMiB: Math.max(...afterWarmup.map((sample) => sample.rssMiB)),
    rssGrowth,
    rssFlat: rssGrowth < RSS_GROWTH_LIMIT,
    databaseMiB: last?.databaseMiB ?? NaN,
  }
}

const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** Three stacked line charts over time: RSS, database size, p99 per interval. */
export function renderSoakChart(results) {
  const width = 900
  const panel = 150
  const left = 70
  const plotWidth = width - left - 30
  const series = [
    { key: 'rssMiB', label: 'server RSS (MiB)', color: '#1f4e9a' },
    { key: 'databaseMiB', label: 'database size (MiB)', color: '#2e8b57' },
    { key: 'p99Ms', label: 'p99 per interval (ms)', color: '#e07b24' },
  ]
  const end = Math.max(1, ...results.samples.map((sample) => sample.t))
  const body = []
  series.forEach(({ key, label, color }, index) => {
    const top = 50 + index * (panel + 40)
    const points = results.samples.filter((sample) => Number.isFinite(sample[key]))
    const max = Math.max(1e-9, ...points.map((sample) => sample[key])) * 1.1
    const path = points.map((sample, i) => `${i === 0 ? 'M' : 'L'}${(left + (sample.t / end) * plotWidth).toFixed(1)},${(top + panel - (sample[key] / max) * panel).toFixed(1)}`).join(' ')
    body.push(
      `<text x="${left}" y="${top - 8}" font-weight="bold">${escapeXml(label)}</text>`,
      `<line x1="${left}" y1="${top + panel}" x2="${left + plotWidth}" y2="${top + panel}" stroke="#999"/>`,
      `<line x1="${left}" y1="${top}" x2="${left}" y2="${top + panel}" stroke="#999"/>`,
      `<text x="${left - 6}" y="${top + 10}" text-anchor="end">${(max / 1.1).toFixed(1)}</text>`,
      `<text x="${left - 6}" y="${top + panel}" text-anchor="end">0</text>`,
      `<text x="${left + plotWidth}" y="${top + panel + 14}" text-anchor="end">${end} s</text>`,
      `<path d="${path}" fill="none" stroke="${color}" stroke-width="2"/>`,
    )
  })
  const height = 50 + series.length * (panel + 40)
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(`Soak: tessera-oidc serve as shipped, ${results.rate} operations/s offered for ${Math.round(results.seconds / 60)} min`)}</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

export function renderSoakMarkdown(results, chart) {
  const { summary } = results
  const fmt = (value, digits = 1) => (Number.isFinite(value) ? value.toFixed(digits) : '—')
  return [
    `## Soak (${results.file})`,
    '',
    `\`tessera-oidc serve\` as shipped (SQLite, audit, info logs), ${results.rate} operations/s offered by ${results.concurrency} workers for ${results.seconds} s: logins with their code exchange, refreshes with rotation, client credentials, introspections, demo API calls and bad requests (no grant type, an unknown grant type, an unknown bearer token at the API, each expecting its RFC error).`,
    '',
    `![soak chart](${chart})`,
    '',
    '| Criterion (issue 20) | Measured | Holds |',
    '| --- | --- | --- |',
    `| No 5xx | ${summary.serverErrors} of ${summary.operations} operations (${summary.unexpected} unexpected answers in all) | ${summary.serverErrors === 0 ? 'yes' : '**no**'} |`,
    `| RSS flat after warm-up (< 10% growth) | ${fmt(summary.rssAfterWarmupMiB)} → peak ${fmt(summary.rssPeakAfterWarmupMiB)} MiB (${fmt(summary.rssGrowth * 100)}%) | ${summary.rssFlat ? 'yes' : '**no**'} |`,
    `| Database size at the end | ${fmt(summary.databaseMiB)} MiB (audit records kept 90 days, tokens until they expire: it grows with traffic until retention starts purging) | — |`,
    '',
    '| t (s) | operations | p50 ms | p99 ms | p99.9 ms | unexpected | 5xx | RSS MiB | database MiB |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...results.samples.filter((sample) => sample.t > 0).map((s) => `| ${s.t} | ${s.operations} | ${fmt(s.p50Ms)} | ${fmt(s.p99Ms)} | ${fmt(s.p999Ms)} | ${s.errors} | ${s.serverErrors} | ${fmt(s.rssMiB, 0)} | ${fmt(s.databaseMiB)} |`),
    '',
  ].join('\n')
}
