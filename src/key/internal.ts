/**
 * The core as the products built on it (node-map, dns, topology, the adapters, the CLI) see it: every module
 * of the core, its public names (the root entry's) and the pieces it shares with the products alone (failure
 * values, the canonical host under a policy, the options reader, quoting, the endpoint helper). A product
 * imports the core through this file alone, so the boundary is one place; in the build, every entry loads the
 * one bundled core (`core.js` beside the entries), so a product and the root share one default keyer and one
 * set of error classes.
 */
export * from './address.js'
export * from './endpoint.js'
export * from './errors.js'
export * from './host.js'
export * from './idna.js'
export * from './ip.js'
export * from './keyer.js'
export * from './memo.js'
export * from './node-key.js'
export * from './options.js'
export * from './port.js'
export * from './preview.js'
export * from './range.js'
export * from './require.js'
export * from './resolver.js'
