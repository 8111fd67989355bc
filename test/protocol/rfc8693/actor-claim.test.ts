import { describe, expect, it } from 'vitest'
import { actorDepth, mayActMatches, MAX_ACTOR_DEPTH, nestActor, readActorClaim, readMayAct, type ActorClaim } from '../../../src/protocol/rfc8693/actor-claim.js'

describe('RFC 8693 §4.1 act', () => {
  it('nests the previous chain unchanged under the new actor', () => {
    const first = nestActor({ sub: 'svc-a', client_id: 'svc-a' }, undefined)
    expect(first).toEqual({ sub: 'svc-a', client_id: 'svc-a' })
    const second = nestActor({ sub: 'svc-b' }, first)
    expect(second).toEqual({ sub: 'svc-b', act: { sub: 'svc-a', client_id: 'svc-a' } })
    expect(actorDepth(second)).toBe(2)
  })

  it('refuses a chain deeper than MAX_ACTOR_DEPTH', () => {
    let chain: ActorClaim | undefined
    for (let depth = 0; depth < MAX_ACTOR_DEPTH; depth++) chain = nestActor({ sub: `s${depth}` }, chain)
    expect(() => nestActor({ sub: 'one-more' }, chain)).toThrow(RangeError)
  })

  it('reads a well-formed act and names the problem of a malformed one', () => {
    expect(readActorClaim(undefined)).toBeUndefined()
    expect(readActorClaim({ sub: 'a', act: { sub: 'b', client_id: 'b' } })).toEqual({ sub: 'a', act: { sub: 'b', client_id: 'b' } })
    expect(readActorClaim('svc')).toMatch(/JSON object/)
    expect(readActorClaim({ client_id: 'a' })).toMatch(/act.sub/)
    expect(readActorClaim({ sub: 'a', act: { sub: '' } })).toMatch(/act.sub/)
    expect(readActorClaim({ sub: 'a', client_id: 7 })).toMatch(/client_id/)
    let deep: Record<string, unknown> = { sub: 'leaf' }
    for (let depth = 0; depth < MAX_ACTOR_DEPTH; depth++) deep = { sub: `s${depth}`, act: deep }
    expect(readActorClaim(deep)).toMatch(/deeper/)
  })
})

describe('RFC 8693 §4.4 may_act', () => {
  it('matches when every claim it names is the actor\'s', () => {
    const mayAct = readMayAct({ sub: 'svc-b', iss: 'https://as.example' })
    expect(mayAct).toEqual({ sub: 'svc-b', iss: 'https://as.example' })
    if (typeof mayAct !== 'object') throw new Error('expected may_act')
    expect(mayActMatches(mayAct, { sub: 'svc-b', iss: 'https://as.example', client_id: 'svc-b' })).toBe(true)
    expect(mayActMatches(mayAct, { sub: 'svc-b' })).toBe(false)
    expect(mayActMatches(mayAct, { sub: 'svc-c', iss: 'https://as.example' })).toBe(false)
  })

  it('refuses a malformed may_act', () => {
    expect(readMayAct(undefined)).toBeUndefined()
    expect(readMayAct([])).toMatch(/JSON object/)
    expect(readMayAct({})).toMatch(/string claims/)
    expect(readMayAct({ sub: 1 })).toMatch(/string claims/)
  })
})
