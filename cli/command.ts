import { Command, InvalidArgumentError, Option } from 'commander';
import { outputOption, type OutputFormat } from './output';
import type { ConnectionOptions } from './session';

/** Options of every command that calls the API. */
export interface ApiOptions extends ConnectionOptions {
  output: OutputFormat;
}

export interface ProjectOptions extends ApiOptions {
  project: string;
}

/**
 * A subcommand of `parent` that calls the API: `--url`, `--token` and `--output` are its own
 * options, so they may follow the command (`tessera tokens list --output json`).
 */
export function apiCommand(parent: Command, nameAndArguments: string, description: string, { createsSecret = false } = {}): Command {
  return parent
    .command(nameAndArguments)
    .description(description)
    .option('--url <url>', 'Tessera server (default: $TESSERA_URL, else the server of `tessera login`)')
    .option('--token <token>', 'console or service-account access token (default: $TESSERA_TOKEN, else the login)')
    .addOption(outputOption(createsSecret));
}

export function withProject(command: Command): Command {
  return command.requiredOption('--project <id>', 'project id');
}

/** `--label key=value`, repeatable, into the API's `labels` object. */
export function labelOption(): Option {
  return new Option('--label <key=value>', 'label (repeat for more)').argParser(collectLabel);
}

function collectLabel(value: string, previous: Record<string, string> | undefined): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator <= 0) throw new InvalidArgumentError('expected key=value');
  return { ...previous, [value.slice(0, separator)]: value.slice(separator + 1) };
}

/** Argument parser for counts and the Practicus API's integer ids; the API checks the range. */
export function wholeNumber(value: string): number {
  if (!/^\d{1,15}$/.test(value)) throw new InvalidArgumentError('expected a whole number');
  return Number(value);
}

/** Adds an "Examples:" section to the command's help. */
export function examples(command: Command, ...lines: string[]): Command {
  return command.addHelpText('after', `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`);
}
