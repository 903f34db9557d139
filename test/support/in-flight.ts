import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { ADMIN_EMAIL, ADMIN_PASSWORD } from './test-app';

/**
 * A login the server has received but cannot finish yet: its headers are in (the server answered
 * "100 Continue"), its body is held back until `sendBody()`. Lets a test signal the server while a
 * request is in flight.
 */
export async function heldLogin(port: number): Promise<{ sendBody: () => void; response: Promise<{ status?: number; text: string }> }> {
  const body = JSON.stringify({ email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const request = httpRequest({
    host: '127.0.0.1',
    port,
    method: 'POST',
    path: '/console/api/auth/',
    agent: false,
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), expect: '100-continue' },
  });
  const response = new Promise<{ status?: number; text: string }>((resolve, reject) => {
    request.on('response', (res) => {
      let text = '';
      res.on('data', (chunk) => (text += chunk));
      res.on('end', () => resolve({ status: res.statusCode, text }));
    });
    request.on('error', reject);
  });
  const continued = new Promise((resolve) => request.once('continue', resolve));
  request.flushHeaders();
  await continued;
  return { sendBody: () => request.end(body), response };
}

/** Whether a TCP connection to the loopback port is accepted. */
export function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

export async function eventually(probe: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
