import { createMemoryStore } from '../../src/storage/memory.js'
import { storeContract } from './contract.js'

storeContract('memory store', () => Promise.resolve(createMemoryStore()))
