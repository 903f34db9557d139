import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { text } from 'node:stream/consumers';
import { call, clientFor, serverUrl } from '../api';
import { examples } from '../command';
import { CredentialsStore } from '../credentials';
import { readEnvironment } from '../environment';
import { CliError, ExitCode } from '../errors';
import { resolveUrl, type ConnectionOptions } from '../session';

interface LoginOptions {
  url?: string;
  email?: string;
  passwordStdin?: boolean;
}

export function registerLogin(program: Command): void {
  examples(
    program
      .command('login')
      .description('log in with email and password; keeps the refresh token in $XDG_CONFIG_HOME/tessera/ (readable by you only)')
      .option('--url <url>', 'Tessera server (default: $TESSERA_URL)')
      .option('--email <email>', 'account email (prompted for when omitted)')
      .option('--password-stdin', 'read the password from stdin instead of prompting'),
    'tessera login --url https://tessera.example.com --email me@example.com',
    'echo "$PASSWORD" | tessera login --url https://tessera.example.com --email me@example.com --password-stdin',
  ).action(async (options: LoginOptions) => {
    const given = options.url ?? readEnvironment().url;
    if (!given) throw CliError.usage('no server: pass --url or set TESSERA_URL');
    const url = serverUrl(given);
    const email = options.email ?? (await promptEmail());
    const password = options.passwordStdin ? await passwordFromStdin() : await promptPassword();
    const { refresh, access } = await call(clientFor(url).POST('/console/api/auth', { body: { email, password } }));
    new CredentialsStore(readEnvironment().configDir).save(url, { email, refresh, access });
    process.stdout.write(`logged in to ${url} as ${email}\n`);
  });

  examples(
    program
      .command('logout')
      .description('revoke the refresh token of `tessera login` and forget it')
      .option('--url <url>', 'Tessera server (default: $TESSERA_URL, else the server of `tessera login`)'),
    'tessera logout',
  ).action(async (options: ConnectionOptions) => {
    const url = resolveUrl(options);
    const store = new CredentialsStore(readEnvironment().configDir);
    const login = store.get(url);
    if (!login) throw CliError.usage(`not logged in to ${url}`);
    try {
      await call(clientFor(url).POST('/console/api/auth/logout', { body: { refresh: login.refresh } }));
    } catch (error) {
      // A refusal means the token is no good anyway (expired, revoked); only an unreachable server
      // leaves it in place, so that logout can be retried.
      if (error instanceof CliError && error.exitCode === ExitCode.Unreachable) throw error;
      store.remove(url);
      throw error;
    }
    store.remove(url);
    process.stdout.write(`logged out of ${url}\n`);
  });
}

async function promptEmail(): Promise<string> {
  if (!process.stdin.isTTY) throw CliError.usage('--email is required when stdin is not a terminal');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return (await prompt.question('Email: ')).trim();
  } finally {
    prompt.close();
  }
}

async function passwordFromStdin(): Promise<string> {
  const password = (await text(process.stdin)).replace(/\r?\n$/, '');
  if (!password) throw CliError.usage('--password-stdin: stdin was empty');
  return password;
}

/** Reads a line from the terminal without echoing it. */
function promptPassword(): Promise<string> {
  const { stdin, stderr } = process;
  if (!stdin.isTTY) throw CliError.usage('stdin is not a terminal: pipe the password with --password-stdin');
  // Raw mode before the prompt, so that nothing typed after the prompt appears is echoed.
  stdin.setRawMode(true);
  stderr.write('Password: ');
  stdin.setEncoding('utf8');
  stdin.resume();
  return new Promise((resolve, reject) => {
    let password = '';
    const finish = (settle: () => void) => {
      stdin.off('data', onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write('\n');
      settle();
    };
    const onData = (chunk: string) => {
      for (const char of chunk) {
        if (char === '\r' || char === '\n') return finish(() => resolve(password));
        if (char === '\u0003') return finish(() => reject(new CliError('interrupted', ExitCode.Interrupted)));
        password = char === '\u007f' || char === '\b' ? password.slice(0, -1) : password + char;
      }
    };
    stdin.on('data', onData);
  });
}
