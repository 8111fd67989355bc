import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The README's Hono and Fastify lines are the type-checked examples, line for line, so they cannot drift. */
describe('README: Hono and Fastify', () => {
  const readme = readFileSync('README.md', 'utf8')
  const section = readme.slice(readme.indexOf('### Hono and Fastify'))
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])

  it.each([
    ['Hono', 'examples/hono-native.ts', 0],
    ['Fastify', 'examples/fastify-native.ts', 1],
  ] as const)('the %s block is %s without its header comment', (_name, file, index) => {
    expect(blocks[index]).toBe(readFileSync(file, 'utf8').split('\n').slice(1).join('\n'))
  })
})
