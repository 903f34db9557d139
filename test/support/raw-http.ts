import { connect, Socket } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
  /** The server closed the connection after answering. */
  closed: boolean;
}

/**
 * HTTP/1.1 over a plain socket, for what fetch cannot send: bodies shorter than their
 * Content-Length, bytes trickled slowly, oversized headers. `send` writes to the open socket; the
 * promise settles when the server closes the connection, or fails after `giveUpMs`.
 */
export function rawExchange(baseUrl: string, send: (socket: Socket) => void, giveUpMs = 15_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    const giveUp = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer and no close within ${giveUpMs} ms; received: ${Buffer.concat(chunks).toString('latin1').slice(0, 300)}`));
    }, giveUpMs);
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined); // a reset after the answer still counts as closed
    socket.on('close', () => {
      clearTimeout(giveUp);
      try {
        resolve({ ...parseResponse(Buffer.concat(chunks).toString('utf8')), closed: true });
      } catch (error) {
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- JSON.parse throws an Error; the catch clause cannot say so
        reject(error);
      }
    });
    socket.on('connect', () => send(socket));
  });
}

/** Writes `parts` one after another, `intervalMs` apart, while the socket is open. */
export function trickle(socket: Socket, parts: string[], intervalMs: number): void {
  const next = (i: number) => {
    if (i >= parts.length || socket.destroyed) return;
    socket.write(parts[i]);
    setTimeout(() => next(i + 1), intervalMs).unref();
  };
  next(0);
}

function parseResponse(text: string): Omit<RawResponse, 'closed'> {
  const split = text.indexOf('\r\n\r\n');
  if (split < 0) throw new Error(`no HTTP response received: ${JSON.stringify(text.slice(0, 300))}`);
  const [statusLine, ...headerLines] = text.slice(0, split).split('\r\n');
  const headers = Object.fromEntries(headerLines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
  const rawBody = text.slice(split + 4);
  let body: unknown = rawBody;
  try {
    body = JSON.parse(rawBody);
  } catch {
    // not JSON: the test says what it expected
  }
  return { status: Number(statusLine.split(' ')[1]), headers, body };
}
