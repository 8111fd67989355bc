// Turns a results file into the target verdicts, BENCHMARKS.md and the SVG chart.

const TARGET_RATIO = 3
const INTROSPECTION_FLOOR = 11_000
const LOGINS_PER_CORE = 30
const PROTECTED_SHARE = 0.85

const RATIO_SCENARIOS = ['cc-es256', 'cc-rs256', 'cc-opaque', 'authorization-code', 'authorization-code-es256', 'refresh-token', 'introspection', 'introspection-refresh']

const row = (scenario, id) => scenario?.rows.find((r) => r.id === id)
const measured = (r) => r?.status === 'ok'
const fmt = (value, digits = 0) => value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })

/**
 * Issue 20: what users run (`tessera-oidc serve`, rows `tessera-serve*`) against oidc-provider, and the
 * library rows' own floors. Ratios are of medians in one run; p99 is compared on every row.
 */
const SHIPPED_RATIOS = { 'cc-es256': 2, introspection: 2, 'authorization-code': 1.5, 'refresh-token': 1.5 }
const LIBRARY_RATIOS = { 'cc-es256': 2.5, 'cc-opaque': 3, introspection: 3 }
const isShipped = (r) => r.id.startsWith('tessera-serve')

/** The per-row verdict of issue 20: its ratio floor (shipped and library rows) and p99 against oidc-provider's. */
export function rowVerdict(scenario, r) {
  const reference = row(scenario, 'oidc-provider')
  if (r.impl !== 'tessera' || !measured(r) || !measured(reference)) return ''
  const floor = isShipped(r) ? SHIPPED_RATIOS[scenario.id] : r.id === 'tessera-memory' ? LIBRARY_RATIOS[scenario.id] : undefined
  const parts = []
  if (floor !== undefined) parts.push(`≥ ${floor}×: ${r.median / reference.median >= floor ? 'yes' : '**no**'}`)
  parts.push(`p99 ≤ oidc-provider's: ${r.p99Ms <= reference.p99Ms ? 'yes' : '**no**'}`)
  return parts.join('; ')
}

function ratioTarget(scenario, tessera, reference, floor, name) {
  if (tessera?.status === 'n/a') return { name, measured: `n/a (${tessera.reason})`, holds: null }
  if (!measured(tessera) || !measured(reference)) {
    return { name, measured: `not measured: ${[tessera, reference].filter((r) => !measured(r)).map((r) => `${r?.label}: ${r?.reason ?? r?.status}`).join('; ')}`, holds: false }
  }
  const ratio = tessera.median / reference.median
  return { name, measured: `${ratio.toFixed(2)}× (${fmt(tessera.median)} vs ${fmt(reference.median)} ${scenario.unit})`, holds: ratio >= floor }
}

/** The verdicts on the targets of issue 20 (first) and issue 7, from one run's results. */
export function evaluateTargets(results) {
  const byId = new Map(results.scenarios.map((s) => [s.id, s]))
  const targets = []
  for (const [id, floor] of Object.entries(SHIPPED_RATIOS)) {
    const scenario = byId.get(id)
    const reference = row(scenario, 'oidc-provider')
    if (!scenario || !reference) continue
    const shippedRows = scenario.rows.filter(isShipped)
    if (shippedRows.length === 0 && results.mode === 'full') {
      targets.push({ issue: 20, name: `${scenario.number}. ${scenario.title}: \`tessera-oidc serve\` as shipped ≥ ${floor}× oidc-provider`, measured: 'not measured: this run has no shipped rows (it predates them)', holds: null })
    }
    for (const shipped of shippedRows) {
      targets.push({ issue: 20, ...ratioTarget(scenario, shipped, reference, floor, `${scenario.number}. ${scenario.title}: ${shipped.label} ≥ ${floor}× oidc-provider`) })
    }
  }
  for (const [id, floor] of Object.entries(LIBRARY_RATIOS)) {
    const scenario = byId.get(id)
    const reference = row(scenario, 'oidc-provider')
    if (!scenario || !reference || !row(scenario, 'tessera-memory')) continue
    targets.push({ issue: 20, ...ratioTarget(scenario, row(scenario, 'tessera-memory'), reference, floor, `${scenario.number}. ${scenario.title}: library (memory store) ≥ ${floor}× oidc-provider`) })
  }
  const tails = []
  for (const scenario of results.scenarios) {
    const reference = row(scenario, 'oidc-provider')
    if (!measured(reference)) continue
    for (const r of scenario.rows.filter((candidate) => candidate.impl === 'tessera' && measured(candidate))) tails.push({ scenario, r, reference })
  }
  if (tails.length > 0) {
    const above = tails.filter(({ r, reference }) => r.p99Ms > reference.p99Ms)
    targets.push({
      issue: 20,
      name: 'p99 no higher than oidc-provider\'s, every Tessera row',
      measured: above.length === 0
        ? `lower or equal on all ${tails.length} rows`
        : `higher on ${above.length} of ${tails.length}: ${above.map(({ scenario, r, reference }) => `${scenario.id}/${r.id} ${fmt(r.p99Ms, 1)} vs ${fmt(reference.p99Ms, 1)} ms`).join(', ')}`,
      holds: above.length === 0,
    })
  }
  for (const id of RATIO_SCENARIOS) {
    const scenario = byId.get(id)
    if (!scenario) continue
    const tessera = row(scenario, 'tessera-memory')
    const reference = row(scenario, 'oidc-provider')
    const name = `${scenario.number}. ${scenario.title}: library (memory store) ≥ ${TARGET_RATIO}× oidc-provider`
    if (!reference || !tessera) continue
    if (tessera.status === 'n/a') {
      targets.push({ issue: 7, name, measured: `n/a (${tessera.reason})`, holds: null })
    } else {
      targets.push({ issue: 7, ...ratioTarget(scenario, tessera, reference, TARGET_RATIO, name) })
    }
  }
  const introspection = row(byId.get('introspection'), 'tessera-memory')
  if (introspection) {
    targets.push({
      name: `4. Introspection above ${fmt(INTROSPECTION_FLOOR)}/s (Hydra's published figure per CPU)`,
      measured: measured(introspection) ? `${fmt(introspection.median)}/s` : `not measured: ${introspection.reason}`,
      holds: measured(introspection) ? introspection.median > INTROSPECTION_FLOOR : false,
    })
  }
  const routes = byId.get('protected-route')
  if (routes) {
    const unprotected = row(routes, 'unprotected')
    const reused = row(routes, 'reused-token')
    const name = `5. Protected route, reused token ≥ ${PROTECTED_SHARE * 100}% of unprotected`
    if (routes.pending) targets.push({ name, measured: `pending: ${routes.pending}`, holds: null })
    else if (measured(unprotected) && measured(reused)) {
      const share = reused.median / unprotected.median
      // Issue 20 asks for stability: the share run by run (runs are interleaved, so run n of both rows met the same machine).
      const perRun = reused.runs.map((run, i) => run.rps / (unprotected.runs[i]?.rps ?? NaN))
      const spread = perRun.length > 1 ? `; runs ${(Math.min(...perRun) * 100).toFixed(1)}–${(Math.max(...perRun) * 100).toFixed(1)}%` : ''
      targets.push({ name, measured: `${(share * 100).toFixed(1)}% (${fmt(reused.median)} vs ${fmt(unprotected.median)} requests/s${spread})`, holds: share >= PROTECTED_SHARE && perRun.every((value) => value >= PROTECTED_SHARE) })
    } else targets.push({ name, measured: 'not measured', holds: false })
  }
  const login = row(byId.get('login'), 'tessera-memory')
  if (login) {
    targets.push({
      name: `6. Complete logins ≥ ${LOGINS_PER_CORE}/s per core (Argon2id m=19456 t=2 p=1)`,
      measured: measured(login) ? `${fmt(login.median, 1)} logins/s on one core` : `not measured: ${login.reason}`,
      holds: measured(login) ? login.median >= LOGINS_PER_CORE : false,
    })
  }
  const rss = []
  for (const scenario of results.scenarios) {
    const tessera = row(scenario, 'tessera-memory')
    const reference = row(scenario, 'oidc-provider')
    if (measured(tessera) && measured(reference)) rss.push({ scenario, tessera: tessera.peakRssMiB, reference: reference.peakRssMiB })
  }
  if (rss.length > 0) {
    const failing = rss.filter((entry) => entry.tessera > entry.reference)
    targets.push({
      name: 'Peak RSS under load no higher than oidc-provider\'s (memory stores on both sides)',
      measured: failing.length === 0
        ? `lower or equal in all ${rss.length} scenarios`
        : `higher in ${failing.length} of ${rss.length}: ${failing.map((e) => `${e.scenario.id} ${fmt(e.tessera)} vs ${fmt(e.reference)} MiB`).join(', ')}`,
      holds: failing.length === 0,
    })
  }
  return targets
}

function rowCells(scenario, r) {
  if (r.status === 'n/a') return [r.label, 'n/a', '', '', '', '', '', '', '', r.reason]
  if (r.status === 'pending') return [r.label, 'pending', '', '', '', '', '', '', '', scenario.pending ?? r.reason ?? '']
  if (r.status !== 'ok' && r.median === undefined) return [r.label, '**failed**', '', '', '', '', '', '', '', r.reason ?? '']
  const reference = row(scenario, 'oidc-provider')
  const ratio = r.impl === 'tessera' && measured(reference) ? `${(r.median / reference.median).toFixed(2)}×` : ''
  const digits = r.median < 100 ? 1 : 0
  return [
    r.label,
    r.status === 'ok' ? `**${fmt(r.median, digits)}**` : `**failed**: ${r.reason}`,
    `${fmt(r.min, digits)} – ${fmt(r.max, digits)}`,
    `${fmt(r.p50Ms, 1)}`,
    `${fmt(r.p99Ms, 1)}`,
    r.p999Ms === undefined || Number.isNaN(r.p999Ms) ? '' : `${fmt(r.p999Ms, 1)}`,
    `${fmt(r.peakRssMiB)}`,
    `${fmt(r.cpuPercent)}%`,
    ratio,
    rowVerdict(scenario, r),
  ]
}

const table = (header, rows) => [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`, ...rows.map((cells) => `| ${cells.join(' | ')} |`)].join('\n')

/** BENCHMARKS.md from a results file (and the hand-written analysis, when there is one). */
export function renderMarkdown(results, { analysis, soak, footprint, chartPath }) {
  const { method, environment } = results
  const verdict = (holds) => (holds === true ? 'yes' : holds === false ? '**no**' : '—')
  const parts = [
    '# Benchmarks',
    '',
    `Generated by \`npm run bench\` on ${results.finishedAt.slice(0, 10)} (${results.mode} run, ${Math.round(results.durationSeconds / 60)} minutes) from \`bench/results/${results.file}\`. ` +
      'Do not edit this file: change `bench/` and run the benchmark again. Tessera and panva\'s oidc-provider are measured in the same run, ' +
      'configured alike, each on the same dedicated core; ratios compare runs interleaved in time.',
    '',
    '## Targets',
    '',
    'Issue 20 first (what users run: `tessera-oidc serve` as shipped, and tail latency), then issue 7\'s (the library on the memory store).',
    '',
    table(['Issue', 'Target', 'Measured', 'Holds'], results.targets.map((t) => [t.issue ?? 7, t.name, t.measured, verdict(t.holds)])),
    '',
    '## Results',
    '',
    `![Tessera vs oidc-provider, median throughput per scenario](${chartPath})`,
    '',
    `Median of ${method.runs} runs of ${method.seconds} s after a ${method.warmupSeconds} s warm-up, with the lowest and highest run. ` +
      'Latency percentiles are the median over runs of wrk\'s per-run p50/p99/p99.9 (for logins: of whole flows). Peak RSS is the server\'s `VmHWM` at the end of the row ' +
      '(start, preparation and every run included). Server CPU is the share of its core the server process used while measured (well under 100% means it was not the bottleneck).',
  ]
  for (const scenario of results.scenarios) {
    parts.push('', `### ${scenario.number}. ${scenario.title}`, '')
    if (scenario.note) parts.push(scenario.note, '')
    parts.push(table(['Server', `Median ${scenario.unit}`, 'Min – max', 'p50 ms', 'p99 ms', 'p99.9 ms', 'Peak RSS MiB', 'Server CPU', 'vs oidc-provider', 'Targets (issue 20)'], scenario.rows.map((r) => rowCells(scenario, r))))
    for (const reference of scenario.references ?? []) {
      parts.push('', `Ceiling on the same core, measured alone after the rows: ${reference.label}: ${fmt(reference.rps)} ${reference.unit}.`)
    }
  }
  parts.push(
    '',
    '## How it was measured',
    '',
    `- Server under test pinned to core ${method.serverCore} (\`taskset -c ${method.serverCore}\`), load generator on core ${method.loadCore}${method.niceness ? `, each in its own session with autogroup niceness ${method.niceness} so that other work on a shared machine does not take turns on those cores` : ''}; one server process per row, all rows of a scenario started together and measured in turn, run after run.`,
    `- wrk ${environment.wrk}: ${method.threads} thread, ${method.connections} keep-alive connections, \`--latency\`; \`bench/wrk/tally.lua\` counts every status code, and a row fails on any non-2xx answer, socket error or timeout.`,
    '- Both servers keep everything in memory (oidc-provider\'s own memory adapter over a plain Map, because its bundled one is a 1,000-entry LRU that would evict prepared codes); Tessera\'s SQLite store (a file, WAL, `synchronous=NORMAL`) is an extra row.',
    '- **Shipped rows** (`tessera-oidc serve …`, first in each table): `node dist/cli/main.js serve --port <free> --config <dir>/tessera.json --db <dir>/tessera.db` as a user starts it (`bench/servers/shipped.mjs`): the default SQLite store in a fresh folder (WAL, `synchronous=NORMAL`), the audit trail on, pino logs at `info` into the row\'s log file, `TESSERA_SECRET` set, the API listed in the configuration file, the client made with `tessera-oidc client create`. The PostgreSQL + Redis row passes `--database-url`/`--redis-url` to servers started by the bench (`scripts/services.mjs`: throwaway servers tuned for tests, `fsync=off`). Codes and refresh tokens for those rows are written through the same store by the launcher, between runs.',
    '- Same client (`client_secret_basic`), same user, same API resource, PKCE required, ES256 access tokens for the API, RS256 ID tokens, rotation of every refresh token, 60 s codes, 1 h access tokens. The library rows run Tessera from the built package (`dist/`), composed as its standalone server (Hono), without a logger; oidc-provider without a logger too.',
    '- Codes and refresh tokens are prepared before each run (Tessera through its store API with SHA-256 hashes, oidc-provider through its models, one grant each), sized from the rates seen so far; each request uses its own, and a run that runs out is repeated with more.',
    `- Logins: \`bench/clients/login.mjs\`, ${method.loginConcurrency} concurrent flows, each a fresh cookie jar, \`prompt=consent\` so both servers show the consent page every time; a login counts when the token response with an ID token arrived inside the window.`,
    '',
    '## Commands',
    '',
    '```sh',
    ...results.commands,
    '```',
    '',
    '## Environment',
    '',
    table(['', ''], [
      ['CPU', `${environment.cpu}, ${environment.cores} cores (${environment.virtualization}), ${environment.memoryGiB} GiB`],
      ['Kernel', environment.kernel],
      ['Node.js', environment.node],
      ['wrk', environment.wrk],
      ['Tessera', `${environment.tessera} at ${environment.commit}`],
      ...Object.entries(environment.packages).map(([name, version]) => [name, version]),
    ]),
  )
  parts.push('', soak ? soak.trim() : '## Soak\n\nNot run yet: `npm run bench -- --soak 20m` writes its table and chart, which `npm run bench -- --render` includes here.')
  parts.push('', footprint ? footprint.trim() : '## Footprint\n\nNot measured yet: `node bench/footprint.mjs` writes its tables, which `npm run bench -- --render` includes here.')
  if (analysis) parts.push('', analysis.trim())
  return `${parts.join('\n')}\n`
}

const COLORS = {
  'tessera-serve': '#0b2e66',
  'tessera-serve-pg-redis': '#4b6fa8',
  'tessera-memory': '#1f4e9a',
  'tessera-sqlite': '#6f9bd8',
  'tessera-node-adapter': '#2e8b57',
  'tessera-memory-opaque': '#3a6fc4',
  'oidc-provider': '#e07b24',
  unprotected: '#8c8c8c',
  'reused-token': '#1f4e9a',
  'new-token': '#6f9bd8',
}
const escapeXml = (text) => String(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

/** A horizontal bar chart: one group per scenario, bars scaled to the group's largest value. */
export function renderChart(results) {
  const groups = results.scenarios
    .map((scenario) => ({ scenario, bars: scenario.rows.filter((r) => r.status === 'ok' && COLORS[r.id]) }))
    .filter((group) => group.bars.length > 0)
  const width = 980
  const labelWidth = 330
  const barArea = width - labelWidth - 150
  const barHeight = 16
  let y = 56
  const body = []
  for (const { scenario, bars } of groups) {
    body.push(`<text x="10" y="${y}" font-weight="bold">${escapeXml(`${scenario.number}. ${scenario.title}`)}</text>`)
    y += 8
    const max = Math.max(...bars.map((bar) => bar.median))
    for (const bar of bars) {
      const length = Math.max(1, (bar.median / max) * barArea)
      const value = bar.median < 100 ? fmt(bar.median, 1) : fmt(bar.median)
      body.push(
        `<text x="${labelWidth - 8}" y="${y + 12}" text-anchor="end">${escapeXml(bar.label)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${length.toFixed(1)}" height="${barHeight}" fill="${COLORS[bar.id]}"/>`,
        `<text x="${(labelWidth + length + 6).toFixed(1)}" y="${y + 12}">${value} ${escapeXml(scenario.unit)}</text>`,
      )
      y += barHeight + 4
    }
    y += 22
  }
  const height = y
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#ffffff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">Tessera vs oidc-provider: median throughput, one server core (higher is better)</text>`,
    `<text x="10" y="40" fill="#555">Bars are scaled per scenario. ${escapeXml(results.environment.cpu)}, Node ${escapeXml(results.environment.node)}, ${escapeXml(results.finishedAt.slice(0, 10))}.</text>`,
    ...body,
    '</svg>',
    '',
  ].join('\n')
}

/** A plain-text table for the terminal (quick runs print this instead of rewriting BENCHMARKS.md). */
export function renderText(results) {
  const lines = []
  for (const scenario of results.scenarios) {
    lines.push(`${scenario.number}. ${scenario.title}`)
    for (const r of scenario.rows) {
      const value = r.median === undefined ? r.status : `${r.status === 'ok' ? '' : 'FAILED '}${fmt(r.median, r.median < 100 ? 1 : 0)} ${scenario.unit} (p50 ${fmt(r.p50Ms, 1)} ms, p99 ${fmt(r.p99Ms, 1)} ms, p99.9 ${fmt(r.p999Ms ?? NaN, 1)} ms, RSS ${fmt(r.peakRssMiB)} MiB)`
      lines.push(`   ${r.label.padEnd(42)} ${value}${r.reason && r.status !== 'ok' ? ` — ${r.reason}` : ''}`)
    }
    for (const reference of scenario.references ?? []) lines.push(`   (ceiling) ${reference.label}: ${fmt(reference.rps)} ${reference.unit}`)
  }
  lines.push('', 'Targets:')
  for (const t of results.targets) lines.push(`   [${t.holds === true ? 'ok' : t.holds === false ? 'NO' : '--'}] ${t.name}: ${t.measured}`)
  return `${lines.join('\n')}\n`
}
