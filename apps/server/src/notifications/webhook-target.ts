import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction, SocketAddress } from 'node:net';

/**
 * Addresses a webhook must not reach unless the operator allows it: every range of the IANA
 * special-purpose registries that is not globally reachable (loopback, private, link-local with
 * the cloud metadata services, carrier-grade NAT, documentation, benchmarking, multicast, reserved).
 * @see https://www.iana.org/assignments/iana-ipv4-special-registry/
 * @see https://www.iana.org/assignments/iana-ipv6-special-registry/
 */
const PRIVATE = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  // Unspecified, loopback and the deprecated IPv4-compatible form (`::127.0.0.1`).
  ['::', 96],
  // IPv4-translated (SIIT); IPv4-mapped addresses are checked by their IPv4 address instead.
  ['::ffff:0:0:0', 96],
  // NAT64, well-known and local-use, and 6to4 can carry any IPv4 address, private ones included.
  ['64:ff9b::', 96],
  ['64:ff9b:1::', 48],
  ['100::', 64],
  // IETF protocol assignments, Teredo (which embeds an IPv4 address) among them.
  ['2001::', 23],
  ['2001:db8::', 32],
  ['2002::', 16],
  ['3fff::', 20],
  ['5f00::', 16],
  ['fc00::', 7],
  ['fe80::', 10],
  ['fec0::', 10],
  ['ff00::', 8],
] as const) {
  PRIVATE.addSubnet(network, prefix, 'ipv6');
}

/** The prefix of IPv4-mapped IPv6 addresses, `::ffff:a.b.c.d`. */
const IPV4_MAPPED = new BlockList();
IPV4_MAPPED.addSubnet('::ffff:0:0', 96, 'ipv6');

/**
 * Whether an IP address is in a range a webhook must not reach. IPv6 is read in every spelling
 * (`::ffff:7f00:1`, `0:0:0:0:0:ffff:127.0.0.1`, a zone index) by Node's own parser; an
 * IPv4-mapped address is judged by the IPv4 address it carries.
 */
export function isPrivateAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 4) return PRIVATE.check(address, 'ipv4');
  if (family !== 6) return false;
  // A zone index only picks the interface; it is link-local (fe80::/10) with or without one.
  const ipv6 = new SocketAddress({ address: address.replace(/%.*$/, ''), family: 'ipv6' });
  if (IPV4_MAPPED.check(ipv6.address, 'ipv6')) {
    // Node prints the mapped form as `::ffff:a.b.c.d`; anything else is refused, not guessed at.
    const ipv4 = /:(\d+\.\d+\.\d+\.\d+)$/.exec(ipv6.address)?.[1];
    return ipv4 === undefined || PRIVATE.check(ipv4, 'ipv4');
  }
  return PRIVATE.check(ipv6.address, 'ipv6');
}

/** Whether a URL names a private address outright (an IP literal or `localhost`). */
export function namesPrivateHost(url: URL): boolean {
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/\.$/, '');
  return host === 'localhost' || host.endsWith('.localhost') || isPrivateAddress(host);
}

/** A DNS lookup that refuses names resolving to a private address, checked when connecting. */
const publicOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    if (addresses.some((entry) => isPrivateAddress(entry.address))) {
      const refused = Object.assign(new Error(`${hostname} resolves to a private address`), {
        code: 'EPRIVATEADDRESS',
      });
      return callback(refused, '', 0);
    }
    if (options.all) return (callback as (e: null, a: LookupAddress[]) => void)(null, addresses);
    const [first] = addresses;
    if (!first)
      return callback(Object.assign(new Error('no address'), { code: 'ENOTFOUND' }), '', 0);
    return callback(null, first.address, first.family);
  });
};

/**
 * POSTs a webhook body and resolves with the status code. Redirects are not followed; with
 * `publicOnly`, a target that is or resolves to a private address is refused before connecting.
 */
export function postWebhook(
  url: string,
  body: string,
  headers: Readonly<Record<string, string>>,
  options: { readonly timeoutMs: number; readonly publicOnly: boolean },
): Promise<number> {
  const target = new URL(url);
  if (options.publicOnly && namesPrivateHost(target)) {
    return Promise.reject(Object.assign(new Error('private address'), { code: 'EPRIVATEADDRESS' }));
  }
  const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
        signal: AbortSignal.timeout(options.timeoutMs),
        // A fresh connection each time: a pooled one would skip the address check.
        agent: false,
        ...(options.publicOnly ? { lookup: publicOnlyLookup } : {}),
      },
      (response) => {
        // The body is not kept: only whether the receiver took the event.
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
        response.on('error', reject);
      },
    );
    request.on('error', (error: Error & { code?: string }) =>
      reject(error.name === 'AbortError' ? Object.assign(error, { code: 'ETIMEDOUT' }) : error),
    );
    request.end(body);
  });
}
