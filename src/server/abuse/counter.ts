import { createHash } from 'node:crypto'

/**
 * Fixed-window counters for abuse limits. In memory by default; the scale-out stores provide a shared
 * implementation so that limits hold across instances.
 */
export interface CounterStore {
  /** Adds one to `key` and returns the count within the window that started at its first hit. */
  increment(key: string, windowSeconds: number, now: number): Promise<{ count: number; resetAt: number }>
  /** The current window of `key`, or undefined when it has none or it ended. */
  get(key: string, now: number): Promise<{ count: number; resetAt: number } | undefined>
  /** Forgets `key`'s window (a successful sign-in clears its failures). */
  reset(key: string): Promise<void>
}

// Keys embed request input (usernames, client ids) of up to a parameter's length: longer ones are hashed,
// so that 100 000 windows stay a few megabytes whatever an attacker sends.
const MAX_KEY_LENGTH = 200

function boundedKey(key: string): string {
  return key.length <= MAX_KEY_LENGTH ? key : `sha256:${createHash('sha256').update(key).digest('base64url')}`
}

/** Bounded: at most `maxKeys` windows are kept; the oldest are dropped first (an attacker spraying keys cannot exhaust memory). */
export function createMemoryCounterStore(maxKeys = 100_000): CounterStore {
  const windows = new Map<string, { count: number; resetAt: number }>()
  function live(key: string, now: number): { count: number; resetAt: number } | undefined {
    const window = windows.get(key)
    if (window && window.resetAt <= now) {
      windows.delete(key)
      return undefined
    }
    return window
  }
  return {
    async increment(fullKey, windowSeconds, now) {
      const key = boundedKey(fullKey)
      const window = live(key, now) ?? { count: 0, resetAt: now + windowSeconds }
      window.count++
      windows.delete(key)
      windows.set(key, window)
      if (windows.size > maxKeys) {
        const oldest = windows.keys().next().value
        if (oldest !== undefined) windows.delete(oldest)
      }
      return { ...window }
    },
    async get(key, now) {
      const window = live(boundedKey(key), now)
      return window && { ...window }
    },
    async reset(key) {
      windows.delete(boundedKey(key))
    },
  }
}
