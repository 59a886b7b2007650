import assert from 'node:assert/strict'
import { test } from 'node:test'
import { canonicalNodeKey } from '../src/index.ts'

test('four spellings of one node give one key', () => {
  const keys = new Set(
    ['LOCALHOST:7000', '127.0.0.1:7000', 'redis://localhost:7000', { host: 'localhost', port: '7000' }].map(
      (a) => canonicalNodeKey(a),
    ),
  )
  assert.deepEqual([...keys], ['127.0.0.1:7000'])
})
