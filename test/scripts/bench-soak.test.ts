import { describe, expect, it } from 'vitest'
import { parseSoakDuration, renderSoakMarkdown, summarize } from '../../bench/lib/soak.mjs'

const sample = (t: number, rssMiB: number, extra: Record<string, unknown> = {}) => ({
  t, rssMiB, databaseMiB: 10 + t / 60, operations: 100, p50Ms: 2, p99Ms: 20, p999Ms: 40, errors: 0, serverErrors: 0, byOperation: {}, firstErrors: [], ...extra,
})

describe('the soak (bench/lib/soak.mjs)', () => {
  it('reads --soak durations in seconds, minutes or hours, and refuses anything else', () => {
    expect(parseSoakDuration('20m')).toBe(1200)
    expect(parseSoakDuration('30s')).toBe(30)
    expect(parseSoakDuration('45')).toBe(45)
    expect(parseSoakDuration('1h')).toBe(3600)
    expect(() => parseSoakDuration('twenty minutes')).toThrow(/--soak twenty minutes/)
  })

  it('judges RSS from the end of warm-up (the first quarter) on, and counts every 5xx', () => {
    // 20 minutes sampled per minute: a high start while warming up, then flat within 10%.
    const flat = [{ t: 0, rssMiB: 90, databaseMiB: 1 }, ...Array.from({ length: 20 }, (_, i) => sample((i + 1) * 60, i < 4 ? 300 : 200 + i))]
    const verdict = summarize(flat, 1200)
    expect(verdict.rssAfterWarmupMiB).toBe(204)
    expect(verdict.rssFlat).toBe(true)
    expect(verdict.serverErrors).toBe(0)
    expect(verdict.operations).toBe(2000)

    const leaking = [...flat.slice(0, 10), ...Array.from({ length: 11 }, (_, i) => sample((i + 10) * 60, 240 + 10 * i, i === 5 ? { errors: 2, serverErrors: 1 } : {}))]
    const leak = summarize(leaking, 1200)
    expect(leak.rssFlat).toBe(false)
    expect(leak.serverErrors).toBe(1)
    expect(renderSoakMarkdown({ file: 'x-soak.json', rate: 150, concurrency: 8, seconds: 1200, samples: leaking, summary: leak }, 'x-soak.svg'))
      .toMatch(/\| No 5xx \| 1 of 2000 operations \(2 unexpected answers in all\) \| \*\*no\*\* \|/)
  })
})
