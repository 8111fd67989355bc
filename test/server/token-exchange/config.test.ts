/** The configuration file's `tokenExchange` section and what `tessera-oidc serve` builds from it. */
import { describe, expect, it } from 'vitest'
import { serveCapabilities } from '../../../src/cli/capabilities.js'
import { createRegistry } from '../../../src/server/registry.js'
import { CORE_CAPABILITIES } from '../../../src/server/core-capabilities.js'
import { ConfigFileError, parseConfigFile } from '../../../src/standalone/config-file.js'
import { TOKEN_EXCHANGE_GRANT_TYPE } from '../../../src/server/token-exchange/index.js'

describe('tokenExchange in the configuration file', () => {
  it('accepts per-client policies and an ID-JAG lifetime as a duration', () => {
    const config = parseConfigFile({
      tokenExchange: {
        clients: {
          orders: { resources: ['https://orders.example/api'], audiences: ['https://billing.example/api'], delegation: true },
          wiki: { subject_token_types: ['id_token'], id_jag: [{ audience: 'https://chat.example', client_id: 'wiki-at-chat', scopes: ['chat.read'] }] },
        },
        idJagLifetime: '2m',
      },
    })
    expect(config.tokenExchange?.idJagLifetime).toBe(120)
    expect(config.tokenExchange?.clients?.orders?.delegation).toBe(true)
  })

  it('names a misspelt or malformed member by its key', () => {
    let problems: readonly string[] = []
    try {
      parseConfigFile({ tokenExchange: { clients: { orders: { delegate: true, subject_token_types: ['refresh_token'] } } } })
    } catch (error) {
      if (error instanceof ConfigFileError) problems = error.problems
    }
    expect(problems.join('\n')).toMatch(/tokenExchange\.clients\.orders\.delegate/)
    expect(problems.join('\n')).toMatch(/tokenExchange\.clients\.orders\.subject_token_types\[0\]/)
  })

  it('registers the grant, and discovery\'s lists come from the registry', () => {
    const without = createRegistry([...CORE_CAPABILITIES, ...serveCapabilities({ registration: 'off' })])
    expect(without.grantTypes).not.toContain(TOKEN_EXCHANGE_GRANT_TYPE)
    const withIt = createRegistry([...CORE_CAPABILITIES, ...serveCapabilities({ registration: 'off', tokenExchange: { clients: { orders: { delegation: true } } } })])
    expect(withIt.grantTypes).toContain(TOKEN_EXCHANGE_GRANT_TYPE)
  })
})
