/** The MCP client side of `tessera-oidc/client`: see ./client.ts. */
export { createMcpClient, type McpClient } from './client.js'
export type { McpClientOptions, PreRegisteredClient } from './options.js'
export type { McpClientCredentials, McpTokens } from './credentials.js'
export type { McpDiscovery } from './discovery.js'
export { mcpSdkAuthProvider, type McpSdkAuthProvider, type McpSdkProviderOptions } from './sdk-provider.js'
