// Types of bench/lib/soak.mjs for the tests that import it (test/scripts/bench-soak.test.ts).
export interface SoakSample {
  t: number
  rssMiB: number
  databaseMiB: number
  operations?: number
  p50Ms?: number
  p99Ms?: number
  p999Ms?: number
  errors?: number
  serverErrors?: number
  byOperation?: Record<string, { ok: number; errors: number }>
  firstErrors?: string[]
}
export interface SoakSummary {
  operations: number
  unexpected: number
  serverErrors: number
  worstP99Ms: number
  rssAfterWarmupMiB: number
  rssPeakAfterWarmupMiB: number
  rssGrowth: number
  rssFlat: boolean
  databaseMiB: number
}
export interface SoakResults {
  file: string
  rate: number
  concurrency: number
  seconds: number
  samples: SoakSample[]
  summary: SoakSummary
}
export const RSS_GROWTH_LIMIT: number
export function parseSoakDuration(text: string | undefined): number
export function summarize(samples: SoakSample[], seconds: number): SoakSummary
export function renderSoakChart(results: SoakResults): string
export function renderSoakMarkdown(results: SoakResults, chart: string): string
export function runSoak(options: { seconds: number; rate?: number; concurrency?: number; workDir: string; resultsDir: string; stamp: string; log: (line: string) => void; environment: unknown }): Promise<SoakResults>
