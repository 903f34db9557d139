// scratch: CPU microseconds per request of the server process (less sensitive to a busy machine)
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ADMIN_EMAIL, login, seedInstances, seedModels } from './lib/contract.mjs';
import { killAllChildren, runLoad, startCeiling, startTessera } from './lib/processes.mjs';
import { SCENARIOS } from './lib/scenarios.mjs';
import { randomUUID } from 'node:crypto';

const ticks = (pid) => { const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' '); return Number(f[11]) + Number(f[12]); };
async function measure(pid, url, requests, opts = {}) {
  await runLoad({ url, connections: 50, durationSec: 1, requests, ...opts });
  const t0 = ticks(pid);
  const s = await runLoad({ url, connections: 50, durationSec: Number(process.env.D ?? 4), requests, ...opts });
  const cpuUs = (ticks(pid) - t0) * 10_000;
  const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`,'utf8'))[1])/1024;
  return { rss: Math.round(rss), rps: Math.round(s.requestsPerSec), usPerReq: Math.round((cpuUs / s.responses) * 10) / 10, p50: s.latencyMs.p50, p99: s.latencyMs.p99, codes: s.statusCodes };
}
try {
  const c = await startCeiling();
  console.log('ceiling', await measure(c.pid, c.url, [{ method: 'GET', path: '/' }]));
  await c.stop();
  const dataDir = mkdtempSync(join(tmpdir(), 'cb-'));
  const password = randomBytes(18).toString('base64url');
  const t = await startTessera({ TESSERA_DATA_DIR: dataDir, TESSERA_ADMIN_EMAIL: ADMIN_EMAIL, TESSERA_ADMIN_PASSWORD: password, TESSERA_LOGIN_ATTEMPTS_PER_ADDRESS_PER_MINUTE: '1000000', TESSERA_ACCESS_TOKEN_TTL: '12h', TESSERA_LOG_LEVEL: process.env.LOG ?? 'info' }, join(dataDir, 'log'), { nodeArgs: process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/cb'] : (process.env.NODE_ARGS ? process.env.NODE_ARGS.split(' ') : []) });
  const ctx = { url: t.url, password, placeholderInstanceId: randomUUID() };
  ctx.access = await login(t.url, password);
  ctx.kid = (await fetch(`${t.url}/.well-known/jwks.json`).then((r) => r.json())).keys[0].kid;
  const only = (process.env.S ?? 'verify-valid,verify-invalid,model-verify,get-meta').split(',');
  if (only.some((s) => s !== 'verify-invalid')) { ctx.instances = await seedInstances(t.url, ctx.access); ctx.models = await seedModels(t.url, ctx.access); }
  for (const sc of SCENARIOS.filter((s) => only.includes(s.id))) {
    console.log(sc.id, await measure(t.pid, t.url, sc.requests(ctx), { idReplacement: sc.idReplacement, ...(sc.connections ? { connections: sc.connections } : {}) }));
  }
  await t.stop();
} finally { killAllChildren(); }
