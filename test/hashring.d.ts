/**
 * The little of `hashring` (3.x, the ring's placement reference and bench anchor) the tests and the bench
 * use: a ring of server strings, or of server strings to weights, and the server a key goes to.
 */
declare module 'hashring' {
  export default class HashRing {
    constructor(servers: string | readonly string[] | Record<string, number>, algorithm?: string)
    get(key: string): string
    readonly size: number
  }
}
