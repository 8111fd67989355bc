/**
 * The `act` (actor) and `may_act` (authorized actor) claims of RFC 8693 §4.1 and §4.4: who acts for the
 * subject of a token, nested for delegation chains, and who may.
 *
 * @see https://www.rfc-editor.org/rfc/rfc8693#section-4.1
 */

/**
 * RFC 8693 §4.1: the current actor (`sub`, and here the `client_id` it acted through) and, nested in
 * `act`, the actor before it. Only the outermost actor counts for access control; prior actors are
 * informational (§4.1: "only the top-level claims and the current actor").
 */
export interface ActorClaim {
  readonly sub: string
  readonly client_id?: string
  readonly act?: ActorClaim
  /** RFC 8693 §4.1 lets an actor carry identity claims such as `iss`; kept as received. */
  readonly [claim: string]: unknown
}

/** Deepest actor chain accepted or built: a longer one is a loop or an attack, not a service chain. */
export const MAX_ACTOR_DEPTH = 8

/**
 * The `act` claim of a token, validated: an object with a non-empty string `sub`, an optional string
 * `client_id`, and a nested `act` of the same shape, at most `MAX_ACTOR_DEPTH` deep. Undefined when absent;
 * a string naming the problem when malformed.
 */
export function readActorClaim(value: unknown, depth = 1): ActorClaim | undefined | string {
  if (value === undefined) return undefined
  if (depth > MAX_ACTOR_DEPTH) return `act is nested deeper than ${MAX_ACTOR_DEPTH}`
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'act must be a JSON object'
  const claim = value as Record<string, unknown>
  if (typeof claim.sub !== 'string' || claim.sub === '') return 'act.sub must be a non-empty string'
  if (claim.client_id !== undefined && (typeof claim.client_id !== 'string' || claim.client_id === '')) return 'act.client_id must be a non-empty string'
  const nested = readActorClaim(claim.act, depth + 1)
  if (typeof nested === 'string') return nested
  return claim as ActorClaim
}

/**
 * RFC 8693 §4.1: the `act` of a token issued to `actor` for a subject token whose own `act` was
 * `previous`: the new actor outermost, the previous chain nested unchanged inside it. Throws a
 * `RangeError` when the chain would exceed `MAX_ACTOR_DEPTH`.
 *
 * @example
 * ```ts
 * nestActor({ sub: 'svc-b', client_id: 'svc-b' }, { sub: 'svc-a' }) // { sub: 'svc-b', client_id: 'svc-b', act: { sub: 'svc-a' } }
 * ```
 */
export function nestActor(actor: { sub: string; client_id?: string | undefined }, previous: ActorClaim | undefined): ActorClaim {
  if (actorDepth(previous) + 1 > MAX_ACTOR_DEPTH) throw new RangeError(`the actor chain would be deeper than ${MAX_ACTOR_DEPTH}`)
  return {
    sub: actor.sub,
    ...(actor.client_id !== undefined ? { client_id: actor.client_id } : {}),
    ...(previous !== undefined ? { act: previous } : {}),
  }
}

/** How many actors a chain holds (0 for none). */
export function actorDepth(claim: ActorClaim | undefined): number {
  let depth = 0
  for (let current = claim; current !== undefined; current = current.act) depth++
  return depth
}

/**
 * RFC 8693 §4.4 `may_act`: the party the subject token names as allowed to act for its subject. Its
 * claims identify the actor (`sub`, optionally `iss` or `client_id`); the actor matches when every member
 * `may_act` names equals the actor's. Undefined when absent; a string naming the problem when malformed.
 */
export function readMayAct(value: unknown): Readonly<Record<string, string>> | undefined | string {
  if (value === undefined) return undefined
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'may_act must be a JSON object'
  const entries = Object.entries(value as Record<string, unknown>)
  if (entries.length === 0 || !entries.every(([, member]) => typeof member === 'string' && member !== '')) return 'may_act must name the actor with string claims'
  return Object.fromEntries(entries) as Record<string, string>
}

/** RFC 8693 §4.4: whether an actor with these identifying claims is the one `may_act` names. */
export function mayActMatches(mayAct: Readonly<Record<string, string>>, actor: Readonly<Record<string, string | undefined>>): boolean {
  return Object.entries(mayAct).every(([claim, value]) => actor[claim] === value)
}
