import type { DoctorOptions } from './types.js'

/** What one request of the doctor got: an answer, a redirect it did not follow, or nothing. */
export type Fetched =
  | { kind: 'response'; url: string; status: number; headers: Headers; text: string; json: unknown }
  | { kind: 'redirect'; url: string; status: number; location: string }
  | { kind: 'error'; url: string; message: string }

const DEFAULT_TIMEOUT_MS = 5_000
const DEFAULT_MAX_BYTES = 1024 * 1024

export interface DoctorRequest {
  method?: 'GET' | 'POST' | 'DELETE'
  headers?: Record<string, string>
  body?: string
}

/**
 * Fetches `url` for a check: plain `fetch`, because this is the operator's tool pointed at their own
 * deployment (loopback and private addresses included, unlike `guardedFetch`); bounded in time and size;
 * redirects returned, never followed, so the report can say that a client would not follow them either.
 */
export async function doctorFetch(url: string, request: DoctorRequest, options: DoctorOptions): Promise<Fetched> {
  const fetchImpl = options.fetch ?? fetch
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES
  let response: Response
  try {
    response = await fetchImpl(url, {
      method: request.method ?? 'GET',
      headers: { accept: 'application/json', ...request.headers },
      ...(request.body !== undefined ? { body: request.body } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS),
    })
  } catch (error) {
    return { kind: 'error', url, message: describeFailure(error) }
  }
  if (response.status >= 300 && response.status < 400 && response.headers.has('location')) {
    await response.body?.cancel()
    return { kind: 'redirect', url, status: response.status, location: new URL(response.headers.get('location') ?? '', url).href }
  }
  let text: string
  try {
    text = await readBounded(response, maxBytes)
  } catch (error) {
    return { kind: 'error', url, message: describeFailure(error) }
  }
  let json: unknown
  try {
    json = text === '' ? undefined : JSON.parse(text)
  } catch {
    json = undefined
  }
  return { kind: 'response', url, status: response.status, headers: response.headers, text, json }
}

async function readBounded(response: Response, maxBytes: number): Promise<string> {
  if (!response.body) return ''
  const reader = response.body.getReader()
  const chunks: Uint8Array[] = []
  let size = 0
  for (;;) {
    const { done, value } = await reader.read()
    if (done) break
    size += value.byteLength
    if (size > maxBytes) {
      await reader.cancel()
      throw new Error(`the answer is larger than ${maxBytes} bytes`)
    }
    chunks.push(value)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function describeFailure(error: unknown): string {
  if (error instanceof Error && (error.name === 'TimeoutError' || error.name === 'AbortError')) return 'no answer within the time limit'
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause : undefined
  const code = cause && 'code' in cause ? String(cause.code) : undefined
  if (code === 'ECONNREFUSED') return 'connection refused'
  if (code === 'ENOTFOUND') return 'the host name does not resolve'
  return error instanceof Error ? (cause?.message ?? error.message) : String(error)
}

/** A sentence on why a fetch gave no usable answer, for a check's message. */
export function fetchProblem(fetched: Fetched, expected = 200): string | undefined {
  if (fetched.kind === 'error') return `${fetched.url} could not be fetched: ${fetched.message}`
  // Reported rather than followed: a redirect on a metadata or token URL is a misconfiguration to see, and
  // clients differ on whether they follow it.
  if (fetched.kind === 'redirect') return `${fetched.url} redirects (${fetched.status}) to ${fetched.location} (not followed)`
  if (fetched.status !== expected) return `${fetched.url} answered ${fetched.status}, not ${expected}`
  return undefined
}
