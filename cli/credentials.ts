import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CliError } from './errors';

/** What `tessera login` keeps for one server. */
export interface Login {
  email: string;
  /** The console refresh token (about 90 days); exchanged for access tokens as they expire. */
  refresh: string;
  /** The last console access token (about 30 minutes), reused until it is about to expire. */
  access?: string;
}

interface CredentialsFile {
  /** The server of the last login, used when neither `--url` nor `TESSERA_URL` names one. */
  current?: string;
  servers: Record<string, Login>;
}

/**
 * `credentials.json` in the CLI's configuration directory, readable by its owner only (0600 in a
 * 0700 directory): it holds refresh tokens. Written to a temporary file and renamed, so a reader
 * never sees half a file.
 */
export class CredentialsStore {
  private readonly file: string;

  constructor(private readonly dir: string) {
    this.file = join(dir, 'credentials.json');
  }

  get currentUrl(): string | undefined {
    return this.read().current;
  }

  get(url: string): Login | undefined {
    return this.read().servers[url];
  }

  save(url: string, login: Login): void {
    const credentials = this.read();
    credentials.servers[url] = login;
    credentials.current = url;
    this.write(credentials);
  }

  remove(url: string): void {
    const credentials = this.read();
    delete credentials.servers[url];
    if (credentials.current === url) delete credentials.current;
    this.write(credentials);
  }

  private read(): CredentialsFile {
    if (!existsSync(this.file)) return { servers: {} };
    let parsed: Partial<CredentialsFile>;
    try {
      parsed = JSON.parse(readFileSync(this.file, 'utf8')) as Partial<CredentialsFile>;
    } catch {
      throw CliError.usage(`${this.file} is not valid JSON: delete it and run \`tessera login\` again`);
    }
    return { current: parsed.current, servers: parsed.servers ?? {} };
  }

  private write(credentials: CredentialsFile): void {
    mkdirSync(this.dir, { recursive: true, mode: 0o700 });
    chmodSync(this.dir, 0o700);
    const next = `${this.file}.${process.pid}.tmp`;
    writeFileSync(next, JSON.stringify(credentials, null, 2) + '\n', { mode: 0o600 });
    renameSync(next, this.file);
  }
}
