// Reads a V8 `.cpuprofile` (from `node --cpu-prof`) into the few tables a reader needs: self time by
// package or file, self time by function, inclusive time by function. Percentages are of the samples
// where the process was busy (idle samples, i.e. waiting between runs or for the network, excluded).

function place(frame) {
  const url = frame.url ?? ''
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1]
  if (pkg) return pkg
  if (url.includes('/dist/')) return `tessera ${url.slice(url.indexOf('/dist/') + 1)}`
  if (url.startsWith('node:')) return url
  return url === '' ? '(native/V8)' : url.replace(/^file:\/\//, '')
}

const label = (frame) => `${frame.functionName || '(anonymous)'} ${place(frame)}:${frame.lineNumber + 1}`

export function summarizeProfile(profile, count = 25) {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]))
  const parents = new Map()
  for (const node of profile.nodes) for (const child of node.children ?? []) parents.set(child, node.id)
  const selfSamples = new Map()
  for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1)

  const byFunction = new Map()
  const byPlace = new Map()
  const inclusive = new Map()
  let busy = 0
  let idle = 0
  for (const [id, samples] of selfSamples) {
    const { callFrame } = nodes.get(id)
    if (callFrame.functionName === '(idle)') {
      idle += samples
      continue
    }
    busy += samples
    byFunction.set(label(callFrame), (byFunction.get(label(callFrame)) ?? 0) + samples)
    byPlace.set(place(callFrame), (byPlace.get(place(callFrame)) ?? 0) + samples)
    // Inclusive time: each distinct function on the stack is charged once per sample.
    const seen = new Set()
    for (let cursor = id; cursor !== undefined; cursor = parents.get(cursor)) {
      const key = label(nodes.get(cursor).callFrame)
      if (seen.has(key)) continue
      seen.add(key)
      inclusive.set(key, (inclusive.get(key) ?? 0) + samples)
    }
  }
  const sorted = (map) => [...map].sort((a, b) => b[1] - a[1]).slice(0, count).map(([name, samples]) => ({ name, percent: (100 * samples) / busy }))
  return { busySamples: busy, idleSamples: idle, byPlace: sorted(byPlace), byFunction: sorted(byFunction), inclusive: sorted(inclusive) }
}

export function formatSummary(summary) {
  const lines = [`${summary.busySamples} busy samples (${summary.idleSamples} idle samples excluded)`]
  for (const [title, rows] of [['Self time by package / file', summary.byPlace], ['Self time by function', summary.byFunction], ['Inclusive time by function', summary.inclusive]]) {
    lines.push('', title)
    for (const row of rows) lines.push(`${row.percent.toFixed(1).padStart(6)}%  ${row.name}`)
  }
  return `${lines.join('\n')}\n`
}
