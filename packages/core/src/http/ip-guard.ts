import { lookup as dnsLookup, type LookupAddress } from 'node:dns'
import { isIP } from 'node:net'
import ipaddr from 'ipaddr.js'

/**
 * A DNS lookup with `dns.lookup`'s callback shape (what `net.connect` and undici's `connect.lookup`
 * call). Tests inject one to make a hostname resolve to any address.
 */
export type LookupFunction = (
  hostname: string,
  options: { all?: boolean | undefined; family?: number | 'IPv4' | 'IPv6' | undefined },
  callback: (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void,
) => void

/** Error code of a refused address, set on the error a guarded lookup reports. */
export const BLOCKED_ADDRESS_CODE = 'LLMKIT_BLOCKED_ADDRESS'

/**
 * Why an address may not be downloaded from (its ipaddr.js range: `loopback`, `private`,
 * `linkLocal`, `carrierGradeNat`, `multicast`, `unspecified`, `reserved`, `uniqueLocal`...), or
 * undefined for a public unicast address. Only `unicast` is public: every special range, including
 * the ones that embed an IPv4 address (NAT64, 6to4, Teredo), is refused rather than unwrapped,
 * except v4-mapped IPv6 (`::ffff:127.0.0.1`), which is judged as the IPv4 address it is. A string
 * that is not an IP address is refused as `invalid`.
 */
export function blockedRange(address: string): string | undefined {
  const bare = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address
  // isIP accepts only canonical forms; the WHATWG URL parser has already turned `127.1`,
  // `2130706433` and `0x7f.1` into `127.0.0.1`, and a lookup answers canonical forms.
  if (isIP(bare.split('%')[0]!) === 0) return 'invalid'
  let parsed: ipaddr.IPv4 | ipaddr.IPv6
  try {
    parsed = ipaddr.parse(bare)
  } catch {
    return 'invalid'
  }
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address()
  const range = parsed.range()
  return range === 'unicast' ? undefined : range
}

/** True when `address` is a public unicast IP address (see {@link blockedRange}). */
export function isPublicAddress(address: string): boolean {
  return blockedRange(address) === undefined
}

function blockedError(hostname: string, address: string, range: string): NodeJS.ErrnoException {
  const error: NodeJS.ErrnoException = new Error(`${hostname} resolves to ${address}, a ${range} address; llmkit does not download from non-public addresses (add the host to downloads.allowHosts if it is trusted)`)
  error.code = BLOCKED_ADDRESS_CODE
  return error
}

/**
 * Wraps a DNS lookup so that a hostname resolving to any non-public address fails. Given to the
 * socket (undici's `connect.lookup`), it checks the very addresses the connection then uses:
 * there is no second resolution between the check and the connect for a DNS answer to change.
 * Every address of the answer is checked, not only the first, so a name with one public and one
 * private address is refused whichever the socket would try.
 */
export function guardedLookup(lookup: LookupFunction = dnsLookup as unknown as LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, options.all ? [] : '')
      const list = typeof addresses === 'string' ? [{ address: addresses, family: isIP(addresses) }] : addresses
      if (list.length === 0) {
        const empty: NodeJS.ErrnoException = new Error(`${hostname} did not resolve to any address`)
        empty.code = 'ENOTFOUND'
        return callback(empty, options.all ? [] : '')
      }
      for (const { address } of list) {
        const range = blockedRange(address)
        if (range !== undefined) return callback(blockedError(hostname, address, range), options.all ? [] : '')
      }
      if (options.all) return callback(null, list)
      const first = list[0]!
      callback(null, first.address, first.family)
    })
  }
}

/**
 * Resolves `hostname` once and checks every address; for dispatchers llmkit does not connect
 * itself (a proxy, a caller's own dispatcher), where the check cannot sit inside the socket.
 * @throws the lookup's error, or an error with code {@link BLOCKED_ADDRESS_CODE}.
 */
export function checkResolvedHost(hostname: string, lookup?: LookupFunction): Promise<void> {
  const guarded = guardedLookup(lookup)
  return new Promise((resolve, reject) => {
    guarded(hostname, { all: true }, (error) => (error ? reject(error) : resolve()))
  })
}
