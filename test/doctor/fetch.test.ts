import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { doctorFetch, fetchProblem } from '../../src/doctor/fetch.js'

let server: Server
let origin: string

beforeAll(async () => {
  server = createServer((request, response) => {
    if (request.url === '/moved') return void response.writeHead(301, { location: '/elsewhere' }).end()
    if (request.url === '/big') return void response.writeHead(200, { 'content-type': 'application/json' }).end(`"${'x'.repeat(5000)}"`)
    if (request.url === '/silent') return // never answers
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})
afterAll(async () => {
  server.closeAllConnections()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

describe('doctorFetch', () => {
  it('reads JSON', async () => {
    expect(await doctorFetch(`${origin}/doc`, {}, {})).toMatchObject({ kind: 'response', status: 200, json: { ok: true } })
  })

  it('reports a redirect with its absolute target instead of following it', async () => {
    const fetched = await doctorFetch(`${origin}/moved`, {}, {})
    expect(fetched).toEqual({ kind: 'redirect', url: `${origin}/moved`, status: 301, location: `${origin}/elsewhere` })
    expect(fetchProblem(fetched)).toContain(`redirects (301) to ${origin}/elsewhere`)
  })

  it('gives up on a body over the size limit, a silent server and a closed port', async () => {
    expect(await doctorFetch(`${origin}/big`, {}, { maxBytes: 1000 })).toMatchObject({ kind: 'error', message: 'the answer is larger than 1000 bytes' })
    expect(await doctorFetch(`${origin}/silent`, {}, { timeoutMs: 200 })).toMatchObject({ kind: 'error', message: 'no answer within the time limit' })
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const port = (closed.address() as AddressInfo).port
    await new Promise<void>((resolve) => closed.close(() => resolve()))
    expect(await doctorFetch(`http://127.0.0.1:${port}/`, {}, {})).toMatchObject({ kind: 'error', message: 'connection refused' })
  })
})
