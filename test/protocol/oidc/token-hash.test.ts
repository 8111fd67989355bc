import { describe, expect, it } from 'vitest'
import { leftHalfHash } from '../../../src/protocol/oidc/token-hash.js'

describe('at_hash (OIDC Core §3.1.3.6)', () => {
  it('matches the OIDC Core example', () => {
    // OIDC Core Appendix A.3 example access token and at_hash.
    expect(leftHalfHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256')).toBe('77QmUPtjPfzWtF2AnpK9RQ')
  })
  it('refuses an algorithm without a defined hash', () => {
    expect(() => leftHalfHash('x', 'none')).toThrow()
  })
})
