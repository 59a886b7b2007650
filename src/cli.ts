#!/usr/bin/env node
/**
 * `canonical-node-key ADDRESS…`: prints the canonical key of each address, one per line.
 */
import { isNodeKeyError } from './errors.js'
import { canonicalNodeKey } from './key.js'

let status = 0
for (const input of process.argv.slice(2)) {
  try {
    process.stdout.write(`${canonicalNodeKey(input)}\n`)
  } catch (error) {
    if (!isNodeKeyError(error)) throw error
    process.stderr.write(`${input}: ${error.message}\n`)
    status = 1
  }
}
process.exitCode = status
