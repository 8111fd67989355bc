// Types of scripts/services.mjs for the TypeScript suites that import it.

export interface Services {
  env: { DATABASE_URL: string; REDIS_URL: string }
  stop(): Promise<void>
}

export function startServices(options?: { log?: (line: string) => void; handleSignals?: boolean }): Promise<Services>

export interface ThrowawayPostgres {
  /** The `postgres` database of the server. */
  url: string
  /** Stops the server (`pg_ctl stop`, `fast` by default); the port and data stay. */
  halt(mode?: 'fast' | 'immediate'): void
  /** Starts it again on the same port; returns once it accepts connections. */
  resume(): void
  /** Stops it for good and removes its folder. */
  stop(): void
}

export function startPostgres(options?: { log?: (line: string) => void }): Promise<ThrowawayPostgres>

export interface ThrowawayRedis {
  url: string
  /** Kills the server (SIGKILL); the port and the append-only file stay. */
  halt(): Promise<void>
  /** Starts it again from its append-only file; resolves once it answers PING. */
  resume(): Promise<void>
  /** Kills it and removes its folder. */
  stop(): void
}

export function startRedis(options?: { log?: (line: string) => void }): Promise<ThrowawayRedis>

export function ensureNginx(log?: (line: string) => void): void
