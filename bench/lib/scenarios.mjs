// The measured scenarios. Each names the seed group it needs, the statuses that count as success
// (anything else is an error), the requests autocannon cycles through, and the target.
import { ADMIN_EMAIL, MODEL, ROUTES } from './contract.mjs';
import { invalidTokens } from './invalid-tokens.mjs';

const bearer = (token) => ({ authorization: `Bearer ${token}` });

/** Filtered lists of the 1,000-token instance: every token by expiry, a name search, one page by name. */
const FILTERED_QUERIES = ['state=active&sort=validUntil:desc&pageSize=1000', 'search=list-1&sort=name', 'state=active&sort=name:desc&pageSize=100'];

export const SCENARIOS = [
  {
    id: 'verify-valid',
    title: 'forward-auth verify, valid instance token',
    needs: 'instances',
    expect: [204],
    requests: ({ instances }) => [{ method: 'GET', path: ROUTES.instanceVerify(instances.verifyInstanceId), headers: bearer(instances.instanceToken) }],
    target: { text: '≥50% ceiling, p99 <10 ms', met: (row) => row.ratio >= 0.5 && row.p99 < 10 },
  },
  {
    id: 'verify-invalid',
    title: 'forward-auth verify, malformed and forged tokens',
    needs: null,
    expect: [401],
    requests: ({ instances, kid, placeholderInstanceId }) => {
      const instanceId = instances?.verifyInstanceId ?? placeholderInstanceId;
      const { malformed, forged } = invalidTokens({ kid, audience: instanceId });
      return [...malformed, ...forged].map((token) => ({ method: 'GET', path: ROUTES.instanceVerify(instanceId), headers: bearer(token) }));
    },
    target: { text: '≥60% ceiling', met: (row) => row.ratio >= 0.6 },
  },
  {
    id: 'model-verify',
    title: 'model session token verify',
    needs: 'models',
    expect: [200, 204],
    requests: ({ models }) => [{ method: 'GET', path: ROUTES.modelVerify(models.modelId), headers: bearer(models.sessionToken) }],
  },
  {
    id: 'get-meta',
    title: 'get_meta on a model URL (console token)',
    needs: 'models',
    expect: [200],
    requests: ({ access }) => [{ method: 'GET', path: ROUTES.modelMeta(MODEL.prefix, MODEL.name), headers: bearer(access) }],
  },
  {
    id: 'token-create',
    title: 'create instance token',
    needs: 'instances',
    expect: [202],
    idReplacement: true,
    requests: ({ access, instances }) => [
      {
        method: 'POST',
        path: ROUTES.instanceTokens(instances.projectId, instances.createInstanceId),
        headers: { ...bearer(access), 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'bench-[<id>]' }),
      },
    ],
    target: { text: '≥1000/s on SQLite', met: (row, database) => (database === 'sqlite' ? row.requestsPerSec >= 1000 : undefined) },
  },
  {
    id: 'token-list',
    title: 'list an instance with 1,000 tokens',
    needs: 'instances',
    expect: [200],
    requests: ({ access, instances }) => [
      { method: 'GET', path: ROUTES.instanceTokens(instances.projectId, instances.listInstanceId), headers: bearer(access) },
    ],
    target: { text: 'p50 <25 ms', met: (row) => row.p50 < 25 },
  },
  {
    // At -c 50 the list's p50 is mostly queueing (50 requests in line for one event loop); one
    // connection shows what a single list costs.
    id: 'token-list-c1',
    title: 'list an instance with 1,000 tokens, one connection',
    needs: 'instances',
    expect: [200],
    connections: 1,
    requests: ({ access, instances }) => [
      { method: 'GET', path: ROUTES.instanceTokens(instances.projectId, instances.listInstanceId), headers: bearer(access) },
    ],
  },
  {
    // Filtered lists are cached like the whole list, per instance revision and query: what a
    // console or a dashboard asking the same filtered question again costs.
    id: 'token-list-filtered',
    title: 'list an instance with 1,000 tokens, filtered and sorted (three queries in turn)',
    needs: 'instances',
    expect: [200],
    requests: ({ access, instances }) =>
      FILTERED_QUERIES.map((query) => ({
        method: 'GET',
        path: `${ROUTES.instanceTokens(instances.projectId, instances.listInstanceId)}?${query}`,
        headers: bearer(access),
      })),
    target: { text: 'p50 <25 ms', met: (row) => row.p50 < 25 },
  },
  {
    // Every request a query not in the cache: 120 filters in turn, each answering all 1,000 tokens
    // (~140 KB), more than the cache's 8 MiB holds, so each is a query and a render. One
    // connection: the cost of one such list without queueing.
    id: 'token-list-filtered-uncached-c1',
    title: 'list 1,000 tokens with a filter never cached, one connection',
    needs: 'instances',
    expect: [200],
    connections: 1,
    requests: ({ access, instances }) =>
      Array.from({ length: 120 }, (_, i) => ({
        method: 'GET',
        path: `${ROUTES.instanceTokens(instances.projectId, instances.listInstanceId)}?state=active&pageSize=1000&sort=validUntil:desc&expiresAfter=${new Date(Date.UTC(2000, 0, 1, 0, 0, i)).toISOString()}`,
        headers: bearer(access),
      })),
  },
  {
    id: 'login',
    title: 'console login (argon2id)',
    needs: null,
    expect: [200],
    requests: ({ password }) => [
      { method: 'POST', path: ROUTES.login, headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email: ADMIN_EMAIL, password }) },
    ],
  },
];

/**
 * Verification while logins run at the same time: argon2 must not starve the event loop. Argon2
 * takes one of the two cores by design, so "not starved" means verification still gets what the
 * verify target asks of the machine that is left: at least half of the bare Fastify ceiling
 * measured under the same login load (the verify-valid row shows what it serves alone).
 */
export const CONCURRENT = {
  id: 'verify-during-logins',
  title: 'verify (valid) while logins run concurrently',
  verify: SCENARIOS.find((s) => s.id === 'verify-valid'),
  login: SCENARIOS.find((s) => s.id === 'login'),
  target: {
    text: '≥50% of the ceiling under the same logins',
    met: (row) => (row.ceilingDuringLogins ? row.requestsPerSec >= row.ceilingDuringLogins / 2 : undefined),
  },
};
