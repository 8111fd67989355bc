import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'

/** The README's Express, Fastify and Hono lines are the type-checked examples, line for line, so they cannot drift. */
describe('README: Framework adapters', () => {
  const readme = readFileSync('README.md', 'utf8')
  const section = readme.slice(readme.indexOf('## Framework adapters'))
  const blocks = [...section.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1])

  it.each([
    ['Express', 'examples/express-native.ts', 0],
    ['Fastify', 'examples/fastify-native.ts', 1],
    ['Hono', 'examples/hono-native.ts', 2],
  ] as const)('the %s block is %s without its header comment', (_name, file, index) => {
    expect(blocks[index]).toBe(readFileSync(file, 'utf8').split('\n').slice(1).join('\n'))
  })
})
