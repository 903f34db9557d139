import { networkInterfaces } from 'node:os';
import { Writable } from 'node:stream';
import pino from 'pino';
import { listeningText, NestPinoLogger } from './logger';

describe('listeningText', () => {
  it('names the address Fastify reports for a specific or IPv4 wildcard bind', () => {
    expect(listeningText('sqlite')('http://127.0.0.1:8080')).toBe('listening on http://127.0.0.1:8080 (sqlite)');
  });

  it('names every interface address when bound to ::', () => {
    const text = listeningText('postgresql')('http://[::]:8080');
    const addresses = Object.values(networkInterfaces()).flatMap((entries) => entries ?? []);
    expect(addresses.length).toBeGreaterThan(0);
    for (const entry of addresses) expect(text).toContain(entry.family === 'IPv6' ? `http://[${entry.address}]:8080` : `http://${entry.address}:8080`);
    expect(text).toContain('bound to http://[::]:8080');
  });
});

describe('NestPinoLogger', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    const logger = pino({ level: 'debug', formatters: { level: (label) => ({ level: label }) } }, stream);
    return { nest: new NestPinoLogger(logger), lines };
  }

  it("writes Nest's levels as pino's, with Nest's context as a field", () => {
    const { nest, lines } = capture();
    nest.log('started', 'NestApplication');
    nest.verbose('not at debug', 'Loader');
    nest.warn({ suppressed: 3 }, 'Budget');
    expect(lines).toEqual([
      expect.objectContaining({ level: 'info', msg: 'started', context: 'NestApplication' }),
      expect.objectContaining({ level: 'warn', suppressed: 3, context: 'Budget' }),
    ]);
  });

  it('keeps the stack Nest passes to error() apart from the context', () => {
    const { nest, lines } = capture();
    const error = new Error('boom');
    nest.error('failed', error.stack, 'Audit');
    expect(lines).toEqual([expect.objectContaining({ level: 'error', msg: 'failed', context: 'Audit', stack: error.stack })]);
  });
});
