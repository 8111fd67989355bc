import { describe, expect, it } from 'vitest'
import { checkClientIdUrl, clientIdUrlProblem, isClientIdUrlShaped } from '../../../src/protocol/cimd/client-id-url.js'

describe('client identifier URLs (draft-ietf-oauth-client-id-metadata-document §3)', () => {
  it('accepts https URLs with a path, a port and a query', () => {
    for (const url of ['https://app.example/client.json', 'https://app.example:8443/clients/c1.json', 'https://app.example/c?v=1', 'https://[2001:db8::1]/c.json']) {
      expect(clientIdUrlProblem(url), url).toBeUndefined()
      expect(checkClientIdUrl(url)).toBe(url)
    }
  })

  it.each([
    ['http://app.example/client.json', 'https scheme'],
    ['https://app.example', 'path'],
    ['https://app.example/', 'path'],
    ['https://app.example?x=1', 'path'],
    ['https://u:p@app.example/client.json', 'user information'],
    ['https://u@app.example/client.json', 'user information'],
    ['https://app.example/client.json#x', 'fragment'],
    ['https://app.example/client.json#', 'fragment'],
    ['https://app.example/a/../client.json', '. or ..'],
    ['https://app.example/a/%2e%2e/client.json', '. or ..'],
    ['https://app.example/a/%2E/client.json', '. or ..'],
    ['https://app.example/./client.json', '. or ..'],
    ['https://app.example/a/..', '. or ..'],
    ['https://APP.example/client.json', 'canonical'],
    ['https://app.example:443/client.json', 'canonical'],
    ['https://2130706433/client.json', 'canonical'],
    ['https://127.1/client.json', 'canonical'],
    ['https://[::ffff:127.0.0.1]/client.json', 'canonical'],
    ['https://app.example/a b', 'canonical'],
    ['https://', 'valid URL'],
    [`https://app.example/${'a'.repeat(2000)}`, 'longer'],
    ['file:///etc/passwd', 'https scheme'],
  ])('refuses %s (%s)', (url, problem) => {
    expect(clientIdUrlProblem(url)).toContain(problem)
    expect(checkClientIdUrl(url)).toBeUndefined()
  })

  it('accepts http on loopback only with the development switch', () => {
    expect(clientIdUrlProblem('http://127.0.0.1:5000/client.json')).toContain('https')
    expect(clientIdUrlProblem('http://127.0.0.1:5000/client.json', { allowLoopbackHttp: true })).toBeUndefined()
    expect(clientIdUrlProblem('http://localhost:5000/client.json', { allowLoopbackHttp: true })).toBeUndefined()
    expect(clientIdUrlProblem('http://app.example/client.json', { allowLoopbackHttp: true })).toContain('loopback')
    expect(clientIdUrlProblem('http://127.0.0.1:5000/', { allowLoopbackHttp: true })).toContain('path')
  })

  it('knows which client ids are URL-shaped, and nothing else is its concern', () => {
    expect(isClientIdUrlShaped('https://app.example/c.json')).toBe(true)
    expect(isClientIdUrlShaped('HTTP://app.example/c.json')).toBe(true)
    expect(isClientIdUrlShaped('demo-app')).toBe(false)
    expect(isClientIdUrlShaped('urn:example:client')).toBe(false)
  })
})
