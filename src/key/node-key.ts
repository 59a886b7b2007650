/**
 * The node key: its branded type and how an endpoint already canonical is written as one
 * (docs/canonical-form.md §5.1). A leaf, so that every module can name a key without importing the parsers.
 */

/**
 * A canonical node key: `host:port`, `[ipv6]:port` or `[ipv6%zone]:port`. Branded, so a raw
 * `` `${host}:${port}` `` string does not type-check where a canonical key belongs; get one from
 * {@link canonicalNodeKey}, a keyer, {@link formatNodeKey} or {@link parseNodeKey}'s inverse.
 *
 * @example
 * ```ts
 * const key: NodeKey = canonicalNodeKey('LOCALHOST', 7000) // '127.0.0.1:7000'
 * const raw: NodeKey = '127.0.0.1:7000'                     // type error: a plain string is not a key
 * ```
 * @category Addresses
 */
export type NodeKey = string & {
  /**
   * A type-only brand: no such property exists at run time. Its name is a string, not a `unique symbol`, so
   * that the brand is one across copies of the declarations (the ESM and the CommonJS types of one package,
   * two installed versions): a key from either is a key for both.
   */
  readonly 'canonical-node-key:NodeKey': true
}

/**
 * The key of an endpoint whose host and port are already canonical. A zone that starts with "25" is written
 * with its "%" escaped (`[fe80::1%25251]`), because inside brackets `%25` reads as that escape (RFC 6874;
 * docs/canonical-form.md §5.1).
 */
export const joinKey = (host: string, port: number): NodeKey => {
  if (!host.includes(':')) return `${host}:${port}` as NodeKey
  const percent = host.indexOf('%')
  if (percent !== -1 && host.startsWith('25', percent + 1)) {
    return `[${host.slice(0, percent)}%25${host.slice(percent + 1)}]:${port}` as NodeKey
  }
  return `[${host}]:${port}` as NodeKey
}
