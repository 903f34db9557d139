import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';

/** Where `npm run build` writes the web console (console/vite.config.mts); the same from src/ and dist/. */
export const CONSOLE_DIST = join(__dirname, '..', '..', 'console', 'dist');

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

// Worth compressing; images and fonts are compressed already.
const TEXT = new Set(['.html', '.js', '.css', '.svg', '.json', '.txt']);

export interface ConsoleAsset {
  body: Buffer;
  /** The gzipped body for text files, compressed on first request (not at start) and then kept. */
  gzipped: () => Buffer | undefined;
  contentType: string;
  etag: string;
  /** Vite puts a content hash into every file name under assets/: such a file never changes. */
  immutable: boolean;
}

/**
 * The built console, read once at start: a few hundred kilobytes, so every request is answered
 * from memory, and gzip is done once per file rather than once per request.
 */
export function loadConsoleAssets(directory = CONSOLE_DIST): Map<string, ConsoleAsset> {
  const assets = new Map<string, ConsoleAsset>();
  if (!existsSync(directory)) return assets;
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const name = relative(directory, path).split('\\').join('/');
    const extension = extname(name);
    const body = readFileSync(path);
    let gzipped: Buffer | undefined;
    assets.set(name, {
      body,
      gzipped: () => (TEXT.has(extension) ? (gzipped ??= gzipSync(body, { level: 9 })) : undefined),
      contentType: CONTENT_TYPES[extension] ?? 'application/octet-stream',
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
      immutable: name.startsWith('assets/'),
    });
  }
  return assets;
}
