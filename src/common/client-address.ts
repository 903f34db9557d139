import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

/** Longer than any IPv6 text: a forwarded "address" beyond this is junk, not parsed further. */
const MAX_ADDRESS_LENGTH = 45;
const MAPPED_IPV4 = '::ffff:';

/** `1.2.3.4` for `::ffff:1.2.3.4` (a dual-stack socket's IPv4 peer); any other address unchanged. */
export function normalizeAddress(address: string): string {
  return address.length > MAPPED_IPV4.length && address.startsWith(MAPPED_IPV4) && isIP(address.slice(MAPPED_IPV4.length)) === 4
    ? address.slice(MAPPED_IPV4.length)
    : address;
}

/**
 * The problem with one TESSERA_TRUSTED_PROXIES entry (an address, or CIDR `address/prefix`,
 * IPv4 or IPv6), or undefined when it is one.
 */
export function trustedProxyProblem(entry: string): string | undefined {
  const [address, prefix, extra] = entry.split('/');
  const family = isIP(address);
  if (!family || extra !== undefined) return `"${entry}" is not an address or CIDR range`;
  if (prefix === undefined) return undefined;
  const bits = /^\d{1,3}$/.test(prefix) ? Number(prefix) : NaN;
  return bits <= (family === 4 ? 32 : 128) ? undefined : `"${entry}": the prefix length must be 0 to ${family === 4 ? 32 : 128}`;
}

/**
 * Who the client of a request is: the connection's peer, or, when that peer is a trusted proxy
 * (TESSERA_TRUSTED_PROXIES), the address it forwarded. The forward-auth lane and Fastify
 * (`trustProxy`, hence `request.ip`) both ask this one place.
 *
 * `X-Forwarded-For` is read from the right: each hop is believed only while the hop that added it
 * is trusted, so a client cannot prepend an address of its choice. `X-Real-IP` counts only when
 * the trusted peer sent no `X-Forwarded-For` (nginx's `proxy_set_header X-Real-IP $remote_addr`).
 */
export class ClientAddresses {
  private readonly trusted?: BlockList;

  constructor(trustedProxies: readonly string[]) {
    if (!trustedProxies.length) return;
    this.trusted = new BlockList();
    for (const entry of trustedProxies) {
      const [address, prefix] = entry.split('/');
      const type = isIP(address) === 4 ? 'ipv4' : 'ipv6';
      if (prefix === undefined) this.trusted.addAddress(address, type);
      else this.trusted.addSubnet(address, Number(prefix), type);
    }
  }

  /** Whether `address` is a trusted proxy; also Fastify's `trustProxy` function. */
  readonly trusts = (address: string): boolean => {
    if (!this.trusted) return false;
    const normalized = normalizeAddress(address);
    const family = isIP(normalized);
    return family !== 0 && this.trusted.check(normalized, family === 4 ? 'ipv4' : 'ipv6');
  };

  /** The client address of `request`; with no trusted proxy, the peer's without reading a header. */
  of(request: IncomingMessage): string {
    const peer = normalizeAddress(request.socket.remoteAddress ?? '');
    if (!this.trusted || !this.trusts(peer)) return peer;
    const forwardedFor = request.headers['x-forwarded-for'];
    if (forwardedFor) return this.forwardedClient(typeof forwardedFor === 'string' ? forwardedFor : forwardedFor.join(','), peer);
    const realIp = request.headers['x-real-ip'];
    return typeof realIp === 'string' ? (validAddress(realIp) ?? peer) : peer;
  }

  /** The rightmost address of `X-Forwarded-For` not added by a trusted proxy (or the last valid one). */
  private forwardedClient(forwardedFor: string, peer: string): string {
    const hops = forwardedFor.split(',');
    let client = peer;
    for (let i = hops.length - 1; i >= 0 && this.trusts(client); i--) {
      const hop = validAddress(hops[i]);
      if (!hop) break;
      client = hop;
    }
    return client;
  }
}

function validAddress(text: string): string | undefined {
  const address = normalizeAddress(text.trim());
  return address.length <= MAX_ADDRESS_LENGTH && isIP(address) ? address : undefined;
}
