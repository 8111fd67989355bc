import { describe, expect, it } from 'vitest'
import { Parameters } from '../../../src/http/form.js'
import { readClientCredentials } from '../../../src/protocol/rfc6749/client-credentials.js'

const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`

describe('readClientCredentials (RFC 6749 §2.3.1)', () => {
  it('decodes form-urlencoded Basic credentials', () => {
    const headers = new Headers({ authorization: basic('my%3Aclient', 'p%2Bss+word%25') })
    expect(readClientCredentials(headers, new Parameters([]))).toEqual({ method: 'client_secret_basic', clientId: 'my:client', clientSecret: 'p+ss word%' })
    // "+" alone is a space too, and a value with neither "%" nor "+" is taken as it is.
    expect(readClientCredentials(new Headers({ authorization: basic('plain-id', 'a+b') }), new Parameters([]))).toEqual({ method: 'client_secret_basic', clientId: 'plain-id', clientSecret: 'a b' })
  })
  it('reads body credentials and bare client ids', () => {
    expect(readClientCredentials(new Headers(), new Parameters([['client_id', 'a'], ['client_secret', 'b']]))?.method).toBe('client_secret_post')
    expect(readClientCredentials(new Headers(), new Parameters([['client_id', 'a']]))?.method).toBe('none')
    expect(readClientCredentials(new Headers(), new Parameters([]))).toBeUndefined()
  })
  it('refuses two methods at once', () => {
    const headers = new Headers({ authorization: basic('a', 'b') })
    expect(() => readClientCredentials(headers, new Parameters([['client_secret', 'b']]))).toThrow(expect.objectContaining({ error: 'invalid_request' }))
  })
  it('refuses malformed Basic headers as invalid_client', () => {
    expect(() => readClientCredentials(new Headers({ authorization: 'Basic !!!' }), new Parameters([]))).toThrow(expect.objectContaining({ error: 'invalid_client', status: 401 }))
    expect(() => readClientCredentials(new Headers({ authorization: `Basic ${btoa('nocolon')}` }), new Parameters([]))).toThrow(expect.objectContaining({ error: 'invalid_client' }))
  })
})
