/**
 * Returns a copy of `target` (and of its nested sub-stores) whose methods run through `around`: how the
 * PostgreSQL and Redis stores turn connection failures into `StorageUnavailableError` in one place.
 *
 * @example const safe = wrapMethods(store, (call) => call().catch((error) => { throw translate(error) }))
 */
export function wrapMethods<T extends object>(target: T, around: (call: () => Promise<unknown>) => Promise<unknown>): T {
  const wrapped: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(target)) {
    if (typeof value === 'function') {
      const method = value as (...args: unknown[]) => Promise<unknown>
      wrapped[name] = (...args: unknown[]) => around(() => method(...args))
    } else {
      wrapped[name] = typeof value === 'object' && value !== null ? wrapMethods(value, around) : value
    }
  }
  return wrapped as T
}
