import { describe, expect, it } from 'vitest'
import { evaluateJwks } from '../../src/doctor/jwks.js'
import { formatReport, summarize } from '../../src/doctor/index.js'
import { generateSigningKey } from '../../src/jwt/keys.js'

const JWKS = 'https://as.example.com/jwks'

describe('evaluateJwks', () => {
  it('passes each public key and fails a private one with the rotation fix', async () => {
    const good = await generateSigningKey('ES256')
    const leaked = await generateSigningKey('RS256')
    const results = await evaluateJwks(JWKS, { keys: [good.publicJwk, leaked.privateJwk] })
    expect(results.map((result) => [result.id, result.status])).toEqual([['as.jwks', 'pass'], ['as.jwks-key', 'pass'], ['as.jwks-key', 'fail']])
    expect(results[2]).toMatchObject({ message: expect.stringContaining(`key ${leaked.kid} has private members`), fix: expect.stringContaining('tessera-oidc keys rotate') })
  })

  it('fails what is not a key set or is empty, warns on a repeated kid', async () => {
    expect(await evaluateJwks(JWKS, [])).toMatchObject([{ id: 'as.jwks', status: 'fail' }])
    expect(await evaluateJwks(JWKS, { keys: [] })).toMatchObject([{ id: 'as.jwks', status: 'fail' }])
    const { publicJwk } = await generateSigningKey('ES256')
    const results = await evaluateJwks(JWKS, { keys: [publicJwk, publicJwk] })
    expect(results.at(-1)).toMatchObject({ id: 'as.jwks-kid', status: 'warn' })
  })
})

describe('formatReport', () => {
  it('groups by server, shows fixes under failures and closes with the counts', () => {
    const report = summarize('https://as.example.com', 'authorization-server', [
      { id: 'as.metadata', status: 'pass', subject: 'x', server: 'https://as.example.com', message: 'found' },
      { id: 'as.pkce-s256', status: 'fail', subject: 'x', server: 'https://as.example.com', message: 'no S256', fix: 'set code_challenge_methods_supported to ["S256"]' },
    ])
    expect(report).toMatchObject({ ok: false, summary: { pass: 1, warn: 0, fail: 1, skip: 0 } })
    expect(formatReport(report)).toBe([
      'tessera-oidc doctor https://as.example.com: authorization server',
      '',
      'authorization server https://as.example.com',
      '  ok    as.metadata   found',
      '  FAIL  as.pkce-s256  no S256',
      '                      fix: set code_challenge_methods_supported to ["S256"]',
      '',
      '1 passed, 0 warnings, 1 failed',
      '',
    ].join('\n'))
  })
})
