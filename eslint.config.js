// @ts-check
import js from '@eslint/js'
import { fileURLToPath } from 'node:url'
import tseslint from 'typescript-eslint'
import layers from './eslint/layers.js'

export default tseslint.config(
  { ignores: ['dist/', 'node_modules/', 'data/', 'coverage/', 'bench/results/', '.tmp/', 'bench/tmp/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  {
    // The layer table of src/ (eslint/layers.js); tests, examples and scripts may import any layer.
    files: ['src/**/*.ts'],
    plugins: { tessera: layers },
    rules: { 'tessera/layers': ['error', { root: fileURLToPath(new URL('./src', import.meta.url)) }] },
  },
  {
    files: ['**/*.mjs', '**/*.js'],
    languageOptions: {
      globals: { process: 'readonly', console: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', Buffer: 'readonly', TextEncoder: 'readonly', Headers: 'readonly', Request: 'readonly', Response: 'readonly', performance: 'readonly' },
    },
  },
)
