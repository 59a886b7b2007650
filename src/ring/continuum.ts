/**
 * The ketama continuum as the `hashring` package (3.x) lays it out: a server of weight `w` among `n`
 * servers of total weight `W` gets `floor(w / W × 40 × n)` digests, digest `i` being the MD5 of
 * `"<server>-<i>"`, and each digest gives 4 points (its four little-endian words). A key's owner is the
 * server of the first point at or after the first word of the key's MD5, wrapping to the first point.
 *
 * libketama's scheme is the same but for one step: it computes the share `w / W` in single precision (C
 * `float`), where `hashring` computes `w / W × 40 × n` in double precision, so for some fleets the two give a
 * server one digest (4 points) more or less. With 7 servers of equal weight, `hashring` gives each 39 digests
 * (`1 / 7 × 40 × 7` is 39.999… in double precision), a single-precision share 40. This module follows
 * `hashring`, which the tests run beside it.
 *
 * Two points of two servers can coincide (a chance of about 1 in 3,700 for 10 servers of 160 points). Then
 * `hashring` gives the key to the server listed first, so its answer depends on the order of its list; here
 * the servers are always taken in the order of their canonical keys (UTF-16 code units, as `<` compares
 * strings), so the ring is the same whatever order the servers were added in, and it agrees with `hashring`
 * given the servers in that order.
 */
import { md5Words } from './md5.js'

/**
 * Digests per server of average weight (ketama's 40).
 *
 * @example
 * ```ts
 * DIGESTS_PER_SERVER * POINTS_PER_DIGEST // 160 points for a server of average weight
 * ```
 */
export const DIGESTS_PER_SERVER = 40

/**
 * Points per digest (ketama's 4): the digest's four little-endian words.
 *
 * @example
 * ```ts
 * md5Words('127.0.0.1:11211-0', words) // the server's first 4 points
 * ```
 */
export const POINTS_PER_DIGEST = 4

/**
 * The most servers a ring holds: each point is sorted as one number, `point × 2^20 + rank`, exact in double
 * precision while the rank fits 20 bits.
 *
 * @example
 * ```ts
 * if (servers.length > MAX_SERVERS) throw new RangeError('too many servers for one ring')
 * ```
 */
export const MAX_SERVERS = 1 << 20

/**
 * One server as the continuum sees it: its key (the string hashed), weight, and the points made so far.
 *
 * @example
 * ```ts
 * const member: Member = { key: '127.0.0.1:11211', weight: 1, points: new Uint32Array(0) }
 * ```
 */
export interface Member {
  readonly key: string
  readonly weight: number
  /** Points of the first digests of the key, 4 a digest; grown on demand, never recomputed. */
  points: Uint32Array
}

/**
 * The sorted continuum: point `i` is `points[i]`, owned by `members[owners[i]]`.
 *
 * @example
 * ```ts
 * const { points, owners } = buildContinuum(members)
 * members[owners[ownerIndex(points, md5Point('user:42'))]].key // the owner of 'user:42'
 * ```
 */
export interface Continuum {
  readonly points: Uint32Array
  readonly owners: Uint32Array
  /** Digests each member (in the members' order) contributes. */
  readonly digests: readonly number[]
}

const words = /* @__PURE__ */ new Uint32Array(4)

/** The points of `member`'s first `count` digests, computed for the digests not computed before. */
const pointsOf = (member: Member, count: number): Uint32Array => {
  const have = member.points.length / POINTS_PER_DIGEST
  if (count <= have) return member.points
  const points = new Uint32Array(count * POINTS_PER_DIGEST)
  points.set(member.points)
  for (let i = have; i < count; i++) {
    md5Words(`${member.key}-${i}`, words)
    points.set(words, i * POINTS_PER_DIGEST)
  }
  member.points = points
  return points
}

/**
 * How many digests each member gets: `floor(weight / total × 40 × n)`, evaluated as `hashring` evaluates it
 * (left to right, in double precision), with the total summed in the members' order.
 *
 * @example
 * ```ts
 * digestCounts(sevenMembersOfWeightOne) // [39, 39, 39, 39, 39, 39, 39]: 1 / 7 × 40 × 7 is 39.999…
 * ```
 */
export const digestCounts = (members: readonly Member[]): number[] => {
  let total = 0
  for (const member of members) total += member.weight
  const n = members.length
  return members.map((member) => Math.floor((member.weight / total) * DIGESTS_PER_SERVER * n))
}

/**
 * The continuum of `members`, which must be sorted by key (their order is the rank that breaks ties between
 * coinciding points).
 *
 * @example
 * ```ts
 * buildContinuum([{ key: '10.0.0.1:6379', weight: 1, points: new Uint32Array(0) }]).points.length // 160
 * ```
 */
export const buildContinuum = (members: readonly Member[]): Continuum => {
  const digests = digestCounts(members)
  let size = 0
  for (const count of digests) size += count * POINTS_PER_DIGEST
  const packed = new Float64Array(size)
  let at = 0
  for (let rank = 0; rank < members.length; rank++) {
    const count = digests[rank]! * POINTS_PER_DIGEST
    const points = pointsOf(members[rank]!, digests[rank]!)
    for (let i = 0; i < count; i++) packed[at++] = points[i]! * MAX_SERVERS + rank
  }
  packed.sort()
  const points = new Uint32Array(size)
  const owners = new Uint32Array(size)
  for (let i = 0; i < size; i++) {
    const value = packed[i]!
    const rank = value % MAX_SERVERS
    owners[i] = rank
    points[i] = (value - rank) / MAX_SERVERS
  }
  return { points, owners, digests }
}

/**
 * The index of the point that owns hash `h`: the first point at or after `h`, or the first point when `h`
 * is past the last. `points` must not be empty.
 *
 * @example
 * ```ts
 * ownerIndex(Uint32Array.of(10, 20, 30), 20) // 1
 * ownerIndex(Uint32Array.of(10, 20, 30), 31) // 0: past the last point, the first
 * ```
 */
export const ownerIndex = (points: Uint32Array, h: number): number => {
  let low = 0
  let high = points.length
  while (low < high) {
    const middle = (low + high) >>> 1
    if (points[middle]! < h) low = middle + 1
    else high = middle
  }
  return low === points.length ? 0 : low
}
