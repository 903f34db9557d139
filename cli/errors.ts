/** The exit codes scripts rely on (documented in docs/cli.md). */
export enum ExitCode {
  Success = 0,
  /** The API refused the request; its message is on stderr. */
  Refused = 1,
  /** The command line was wrong or incomplete (unknown option, missing server or credentials). */
  Usage = 2,
  /** Tessera could not be reached. */
  Unreachable = 3,
  /** Ctrl-C at a prompt, as shells report SIGINT. */
  Interrupted = 130,
}

/** An error that ends the command with its exit code and a one-line message on stderr. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: ExitCode,
  ) {
    super(message);
  }

  static usage(message: string): CliError {
    return new CliError(message, ExitCode.Usage);
  }
}

/** Tessera answered with an error status; `message` is the API's own text. */
export class ApiRefusal extends CliError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message, ExitCode.Refused);
  }
}
