import type { Command } from 'commander';
import { call, clientFor } from '../api';
import { examples } from '../command';
import { resolveUrl, type ConnectionOptions } from '../session';

export function registerVerify(program: Command): void {
  examples(
    program
      .command('verify <instance-id>')
      .description("check a token the way an instance's gateway does (forward-auth); exit 0 when it would pass")
      .option('--url <url>', 'Tessera server (default: $TESSERA_URL, else the server of `tessera login`)')
      // Here --token is the token under test, not a credential: forward-auth needs none.
      .requiredOption('--token <token>', 'the token a client sends to the instance'),
    'tessera verify $INSTANCE --token "$MLFLOW_TRACKING_TOKEN" && echo accepted',
  ).action(async (instanceId: string, options: ConnectionOptions & { token: string }) => {
    const client = clientFor(resolveUrl(options));
    await call(
      client.GET('/v1/auth/instances/{instanceId}/verify', { params: { path: { instanceId } }, headers: { authorization: `Bearer ${options.token}` } }),
    );
    process.stdout.write(`valid: a gateway in front of instance ${instanceId} passes this token\n`);
  });
}
