import { homedir } from 'node:os';
import { join } from 'node:path';

/** The environment variables the CLI reads, in one place (as `src/config/` is for the service). */
export interface CliEnvironment {
  /** `TESSERA_URL`: the server, when `--url` is not given. */
  url?: string;
  /** `TESSERA_TOKEN`: a console or service-account access token, when `--token` is not given. */
  token?: string;
  /** `TESSERA_REGION`: the region of `/v1` instance commands, when `--region` is not given. */
  region?: string;
  /** `$XDG_CONFIG_HOME/tessera`, or `~/.config/tessera`: where `tessera login` keeps its refresh token. */
  configDir: string;
}

export function readEnvironment(env: NodeJS.ProcessEnv = process.env): CliEnvironment {
  return {
    url: env.TESSERA_URL || undefined,
    token: env.TESSERA_TOKEN || undefined,
    region: env.TESSERA_REGION || undefined,
    configDir: join(env.XDG_CONFIG_HOME || join(homedir(), '.config'), 'tessera'),
  };
}
