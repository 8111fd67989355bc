import { describe, expect, it } from 'vitest'
import { describeScopes } from '../../src/ui/scopes.js'

describe('describeScopes', () => {
  it('describes OpenID Connect scopes in plain words', () => {
    const described = describeScopes(['openid', 'profile', 'email', 'offline_access'], {})
    expect(described.map((scope) => scope.value)).toEqual(['openid', 'profile', 'email', 'offline_access'])
    expect(described.find((scope) => scope.value === 'profile')?.description).toBe('See your name and profile picture')
    expect(described.find((scope) => scope.value === 'email')?.description).toBe('See your email address')
    expect(described.find((scope) => scope.value === 'offline_access')?.description).toBe(
      "Stay connected when you're not using the app",
    )
    expect(described.find((scope) => scope.value === 'openid')?.description).toMatch(/identity/)
  })

  it('uses custom descriptions, then falls back to the scope value', () => {
    expect(describeScopes(['read:notes', 'write:notes'], { 'read:notes': 'Read your notes' })).toEqual([
      { value: 'read:notes', description: 'Read your notes' },
      { value: 'write:notes', description: 'write:notes' },
    ])
  })

  it('keeps request order and drops duplicates and empty values', () => {
    expect(describeScopes(['email', '', 'openid', 'email'], {}).map((scope) => scope.value)).toEqual(['email', 'openid'])
  })

  it('does not read Object.prototype members as descriptions', () => {
    expect(describeScopes(['constructor', 'toString', '__proto__'], {})).toEqual([
      { value: 'constructor', description: 'constructor' },
      { value: 'toString', description: 'toString' },
      { value: '__proto__', description: '__proto__' },
    ])
  })
})
