import { Command, CommanderError } from 'commander';
import { registerAudit } from './commands/audit';
import { registerCompletion } from './commands/completion';
import { registerInstances } from './commands/instances';
import { registerLogin } from './commands/login';
import { registerModels, registerModelToken } from './commands/models';
import { registerProjects } from './commands/projects';
import { registerAccessTokens, registerServiceAccounts } from './commands/service-accounts';
import { registerTokens } from './commands/tokens';
import { registerVerify } from './commands/verify';
import { examples } from './command';
import { CliError, ExitCode } from './errors';

export function buildProgram(): Command {
  const program = new Command('tessera')
    .description('Tessera from the command line: projects, instances, tokens, service accounts and models')
    // Settings here are copied to every subcommand created with .command() below.
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .helpCommand(false);
  examples(
    program,
    'tessera login --url https://tessera.example.com',
    'tessera projects list',
    'export MLFLOW_TRACKING_TOKEN=$(tessera tokens create --project $PROJECT --instance $INSTANCE --name ci --ttl 30d --output secret)',
  ).addHelpText(
    'after',
    `Credentials: --token or TESSERA_TOKEN (a console or service-account access token), else the login of
\`tessera login\`. Server: --url or TESSERA_URL, else the server of the last login.
Exit codes: 0 success, 1 refused by the API (its message on stderr), 2 usage error, 3 server unreachable.
Every command: docs/cli.md, or tessera <command> --help.\n`,
  );
  registerLogin(program);
  registerProjects(program);
  registerInstances(program);
  registerTokens(program);
  registerServiceAccounts(program);
  registerAccessTokens(program);
  registerModels(program);
  registerModelToken(program);
  registerAudit(program);
  registerVerify(program);
  registerCompletion(program);
  return program;
}

/** Runs the command line and returns the exit code; messages go to stderr. */
export async function run(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return ExitCode.Success;
  } catch (error) {
    // Commander has printed its own message (or the help) already.
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Success : ExitCode.Usage;
    if (error instanceof CliError) {
      process.stderr.write(`tessera: ${error.message}\n`);
      return error.exitCode;
    }
    throw error;
  }
}
