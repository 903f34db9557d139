// Runs one autocannon load in its own process, so the load generator never shares an event loop
// with the harness. Receives a load spec over IPC, answers with a summary, then exits.
import autocannon from 'autocannon';

process.once('disconnect', () => process.exit(0)); // the harness went away

process.once('message', async (spec) => {
  try {
    const result = await autocannon({
      url: spec.url,
      connections: spec.connections,
      duration: spec.durationSec,
      timeout: spec.timeoutSec,
      requests: spec.requests,
      idReplacement: Boolean(spec.idReplacement),
      ...(spec.overallRate ? { overallRate: spec.overallRate } : {}),
      ...(spec.amount ? { amount: spec.amount } : {}),
    });
    const statusCodes = Object.fromEntries(Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, count]));
    process.send({
      ok: true,
      summary: {
        durationSec: result.duration,
        responses: Object.values(statusCodes).reduce((sum, count) => sum + count, 0),
        statusCodes,
        connectionErrors: result.errors,
        timeouts: result.timeouts,
        latencyMs: { p50: result.latency.p50, p99: result.latency.p99, average: result.latency.average, max: result.latency.max },
        requestsPerSec: result.requests.average,
      },
    });
  } catch (error) {
    process.send({ ok: false, error: error instanceof Error ? error.message : String(error) });
  }
});
