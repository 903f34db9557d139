import type { IncomingMessage } from 'node:http';
import { ClientAddresses, normalizeAddress, trustedProxyProblem } from './client-address';

function request(peer: string, headers: Record<string, string> = {}): IncomingMessage {
  return { socket: { remoteAddress: peer }, headers } as unknown as IncomingMessage;
}

describe('ClientAddresses', () => {
  const behindProxies = new ClientAddresses(['10.0.0.0/8', '192.0.2.7', 'fd00::/8']);

  it('trusts nobody by default: the peer, whatever the headers say', () => {
    const none = new ClientAddresses([]);
    expect(none.of(request('10.1.2.3', { 'x-forwarded-for': '203.0.113.9', 'x-real-ip': '203.0.113.8' }))).toBe('10.1.2.3');
    expect(none.trusts('10.1.2.3')).toBe(false);
  });

  it('takes the forwarded address from a trusted peer, IPv4 and IPv6', () => {
    expect(behindProxies.of(request('10.1.2.3', { 'x-forwarded-for': '203.0.113.9' }))).toBe('203.0.113.9');
    expect(behindProxies.of(request('192.0.2.7', { 'x-forwarded-for': '2001:db8::1' }))).toBe('2001:db8::1');
    expect(behindProxies.of(request('fd00::5', { 'x-forwarded-for': '203.0.113.9' }))).toBe('203.0.113.9');
  });

  it('ignores the headers of an untrusted peer', () => {
    expect(behindProxies.of(request('192.0.2.8', { 'x-forwarded-for': '203.0.113.9' }))).toBe('192.0.2.8');
    expect(behindProxies.of(request('198.51.100.1', { 'x-real-ip': '203.0.113.9' }))).toBe('198.51.100.1');
  });

  it('walks X-Forwarded-For from the right, believing hops only while the hop that added them is trusted', () => {
    // The client prepended 1.1.1.1; the first proxy (10.0.0.2) saw 203.0.113.9.
    expect(behindProxies.of(request('10.0.0.1', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.2' }))).toBe('203.0.113.9');
    // Every hop trusted: the leftmost one.
    expect(behindProxies.of(request('10.0.0.1', { 'x-forwarded-for': '10.0.0.3,10.0.0.2' }))).toBe('10.0.0.3');
    // Junk stops the walk at the last valid address.
    expect(behindProxies.of(request('10.0.0.1', { 'x-forwarded-for': 'unknown, 10.0.0.2' }))).toBe('10.0.0.2');
    expect(behindProxies.of(request('10.0.0.1', { 'x-forwarded-for': 'x'.repeat(100) }))).toBe('10.0.0.1');
  });

  it('honours X-Real-IP from a trusted peer only when X-Forwarded-For is absent', () => {
    expect(behindProxies.of(request('10.0.0.1', { 'x-real-ip': '203.0.113.9' }))).toBe('203.0.113.9');
    expect(behindProxies.of(request('10.0.0.1', { 'x-real-ip': '203.0.113.9', 'x-forwarded-for': '198.51.100.4' }))).toBe('198.51.100.4');
    expect(behindProxies.of(request('10.0.0.1', { 'x-real-ip': 'not-an-address' }))).toBe('10.0.0.1');
  });

  it('normalizes IPv4-mapped IPv6 addresses, of the peer and of forwarded hops', () => {
    expect(normalizeAddress('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(normalizeAddress('::ffff:abcd')).toBe('::ffff:abcd');
    expect(behindProxies.of(request('::ffff:10.0.0.1', { 'x-forwarded-for': '::ffff:203.0.113.9' }))).toBe('203.0.113.9');
    expect(new ClientAddresses([]).of(request('::ffff:127.0.0.1'))).toBe('127.0.0.1');
    expect(behindProxies.trusts('::ffff:10.9.9.9')).toBe(true);
  });

  it('names malformed TESSERA_TRUSTED_PROXIES entries', () => {
    expect(trustedProxyProblem('10.0.0.0/8')).toBeUndefined();
    expect(trustedProxyProblem('::/0')).toBeUndefined();
    expect(trustedProxyProblem('10.0.0.0/33')).toMatch(/0 to 32/);
    expect(trustedProxyProblem('fd00::/200')).toMatch(/0 to 128/);
    expect(trustedProxyProblem('10.0.0.0/')).toMatch(/prefix/);
    expect(trustedProxyProblem('proxy.internal')).toMatch(/not an address/);
  });
});
