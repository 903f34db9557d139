import { createHash } from 'node:crypto';
import { PrismaService } from '../src/database/prisma.service';
import { IdempotencyService } from '../src/idempotency/idempotency.service';
import {
  Caller,
  givenInstance,
  givenMember,
  givenProject,
  givenServiceAccount,
  givenToken,
  Instance,
  instancesPath,
  Project,
  tokensPath,
} from './support/fixtures';
import { TestApp } from './support/test-app';

describe('Idempotency-Key and audit events', () => {
  let app: TestApp;
  let owner: Caller;
  let project: Project;
  let tracking: Instance;
  let path: string;

  const post = (key: string | undefined, json: unknown, token = owner.access, url = path) =>
    app.request('POST', url, { token, json, headers: key === undefined ? {} : { 'idempotency-key': key } });
  const count = () => app.app.get(PrismaService).instanceToken.count({ where: { instanceId: tracking.id } });

  beforeAll(async () => {
    app = await TestApp.start();
    owner = await app.createUser('owner@tessera.test');
    project = await givenProject(app, owner);
    tracking = await givenInstance(app, project);
    path = tracking.tokensPath;
  });
  afterAll(() => app.close());

  describe('Idempotency-Key', () => {
    it('replays the original response, secret included, for the same key and body', async () => {
      const before = await count();
      const first = await post('retry-1', { name: 'pipeline', labels: { a: '1', b: '2' } });
      expect(first.status).toBe(202);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      // Same body with other key order and spacing, and through /v1alpha: still the same request.
      const again = await app.request('POST', tokensPath(project.id, tracking.id, 'eu01', 'v1alpha'), {
        token: owner.access,
        raw: '{ "labels": {"b":"2","a":"1"},   "name": "pipeline" }',
        headers: { 'content-type': 'application/json', 'idempotency-key': 'retry-1' },
      });
      expect(again.status).toBe(202);
      expect(again.headers.get('idempotent-replayed')).toBe('true');
      expect(again.body).toEqual(first.body);
      expect(again.body.token.content).toBe(first.body.token.content);
      expect(await count()).toBe(before + 1);
    });

    it('refuses the same key with a different body (422) and runs requests without a key twice', async () => {
      await post('retry-2', { name: 'one' });
      const conflict = await post('retry-2', { name: 'two' });
      expect(conflict.status).toBe(422);
      expect(conflict.body).toEqual({ code: 422, message: expect.stringContaining('different request'), status: 'Unprocessable Entity' });
      const before = await count();
      const a = await post(undefined, { name: 'same' });
      const b = await post(undefined, { name: 'same' });
      expect(a.body.token.id).not.toBe(b.body.token.id);
      expect(await count()).toBe(before + 2);
    });

    it('scopes keys per caller and per route', async () => {
      const editor = await givenServiceAccount(app, project, 'editor');
      const mine = await post('shared-key', { name: 'x' });
      const theirs = await post('shared-key', { name: 'x' }, editor.access);
      expect(theirs.status).toBe(202);
      expect(theirs.body.token.id).not.toBe(mine.body.token.id);
      const otherInstance = await givenInstance(app, project, { name: 'other' });
      const elsewhere = await post('shared-key', { name: 'x' }, owner.access, otherInstance.tokensPath);
      expect(elsewhere.status).toBe(202);
      expect(elsewhere.body.token.id).not.toBe(mine.body.token.id);
    });

    it('lets concurrent duplicates create exactly one token', async () => {
      const before = await count();
      const responses = await Promise.all(Array.from({ length: 10 }, () => post('burst-key', { name: 'burst' })));
      const ok = responses.filter((r) => r.status === 202);
      expect(ok.length).toBeGreaterThanOrEqual(1);
      expect(new Set(ok.map((r) => r.body.token.id)).size).toBe(1);
      for (const r of responses.filter((r) => r.status !== 202)) {
        expect(r.status).toBe(409);
        expect(r.body.message).toContain('still being processed');
      }
      expect(await count()).toBe(before + 1);
      const later = await post('burst-key', { name: 'burst' });
      expect(later.body.token.id).toBe(ok[0].body.token.id);
    });

    it('answers 409 while the first request with a key still runs, and 422 for another body even then', async () => {
      // What the interceptor claims for POST {"name":"x"}: the caller, the route and the body's hash.
      const scope = `user:${owner.id} POST ${path}`;
      const claim = await app.app.get(IdempotencyService).begin(scope, 'running-key', createHash('sha256').update('{"name":"x"}').digest('hex'));
      expect(claim.kind).toBe('claimed');
      const running = await post('running-key', { name: 'x' });
      expect(running.status).toBe(409);
      expect(running.body).toEqual({ code: 409, message: expect.stringContaining('still being processed'), status: 'Conflict' });
      expect((await post('running-key', { name: 'y' })).status).toBe(422);
    });

    it('releases the key when the request fails, so a corrected retry runs', async () => {
      const bad = await post('fix-me', { name: 'bad/name' });
      expect(bad.status).toBe(400);
      const good = await post('fix-me', { name: 'good' });
      expect(good.status).toBe(202);
      const reader = await givenMember(app, project, 'reader');
      expect((await post('reader-key', { name: 'x' }, reader.access)).status).toBe(403);
      expect(await app.app.get(PrismaService).idempotencyRecord.count({ where: { key: { in: ['reader-key'] } } })).toBe(0);
    });

    it('works for instance creation too', async () => {
      const url = instancesPath(project.id);
      const first = await post('instance-key', { name: 'idem' }, owner.access, url);
      const second = await post('instance-key', { name: 'idem' }, owner.access, url);
      expect(second.body.instance.id).toBe(first.body.instance.id);
      const listed = await app.request('GET', url, { token: owner.access });
      expect(listed.body.instances.filter((i: { name: string }) => i.name === 'idem')).toHaveLength(1);
    });

    it('stores the response sealed and forgets it after 24 h', async () => {
      const first = await post('expiring', { name: 'old' });
      const prisma = app.app.get(PrismaService);
      const record = await prisma.idempotencyRecord.findFirstOrThrow({ where: { key: 'expiring' } });
      expect(record.statusCode).toBe(202);
      expect(record.responseSealed).toMatch(/^v1\./);
      expect(record.responseSealed).not.toContain(first.body.token.id);
      const hours = (record.expiresAt.getTime() - record.createdAt.getTime()) / 3_600_000;
      expect(hours).toBeGreaterThan(23.9);
      expect(hours).toBeLessThan(24.1);

      // Past its window the key is a new request: checked on access...
      await prisma.idempotencyRecord.update({ where: { id: record.id }, data: { expiresAt: new Date(Date.now() - 1000) } });
      const fresh = await post('expiring', { name: 'old' });
      expect(fresh.status).toBe(202);
      expect(fresh.body.token.id).not.toBe(first.body.token.id);
      // ...and purged by the timer's job.
      await prisma.idempotencyRecord.updateMany({ where: { key: 'expiring' }, data: { expiresAt: new Date(Date.now() - 1000) } });
      await app.app.get(IdempotencyService).purge();
      expect(await prisma.idempotencyRecord.count({ where: { key: 'expiring' } })).toBe(0);
    });

    it('refuses a malformed key', async () => {
      expect((await post('x'.repeat(256), { name: 'x' })).status).toBe(400);
      expect((await post('with space', { name: 'x' })).status).toBe(400);
    });
  });

  describe('audit events', () => {
    it('records who created, changed and deleted what, with the request id', async () => {
      const audited = (await givenProject(app, owner, 'audited')).id;
      const created = await app.request('POST', instancesPath(audited), {
        token: owner.access,
        json: { name: 'i' },
        headers: { 'x-request-id': 'req-create-instance' },
      });
      const instance = created.body.instance.id;
      const issued = await app.request('POST', tokensPath(audited, instance), { token: owner.access, json: { name: 't' } });
      expect(issued.status).toBe(202);
      const { token } = issued.body;
      await app.request('PATCH', `${tokensPath(audited, instance)}/${token.id}`, { token: owner.access, json: { labels: { a: 'b' } } });
      await app.request('DELETE', `${tokensPath(audited, instance)}/${token.id}`, { token: owner.access });
      await app.request('PATCH', `${instancesPath(audited)}/${instance}`, { token: owner.access, json: { name: 'j' } });
      await app.request('DELETE', `${instancesPath(audited)}/${instance}`, { token: owner.access });

      const response = await app.request('GET', `/v1/projects/${audited}/audit-events`, { token: owner.access });
      expect(response.status).toBe(200);
      const events = response.body.events;
      expect(events.map((e: { action: string }) => e.action)).toEqual([
        'instance.delete',
        'instance.update',
        'instance-token.delete',
        'instance-token.update',
        'instance-token.create',
        'instance.create',
      ]);
      for (const event of events) expect(event).toMatchObject({ actor: { type: 'user', id: owner.id }, outcome: 'success', requestId: expect.any(String) });
      expect(events[5]).toMatchObject({ resource: { type: 'instance', id: instance }, requestId: 'req-create-instance', details: { name: 'i' } });
      expect(events[4]).toMatchObject({ resource: { type: 'instance-token', id: token.id }, details: { instanceId: instance, name: 't' } });
      expect(events[3].details).toEqual({ instanceId: instance, fields: ['labels'] });
      expect(response.text).not.toContain(token.content);
      expect(Date.parse(events[0].time)).toBeGreaterThanOrEqual(Date.parse(events[5].time));
    });

    it('filters by action, resource and time, and pages with an opaque cursor', async () => {
      const paged = await givenInstance(app, await givenProject(app, owner, 'paged'));
      const pause = () => new Promise((resolve) => setTimeout(resolve, 5));
      await pause();
      const start = new Date().toISOString();
      await pause();
      const tokens = [];
      for (let i = 0; i < 5; i++) tokens.push(await givenToken(app, paged, { name: `t${i}` }));
      const url = `/v1/projects/${paged.project.id}/audit-events`;

      const seen: { id: string; time: string }[] = [];
      let cursor: string | undefined;
      let pages = 0;
      do {
        const page = await app.request('GET', `${url}?action=instance-token.create&pageSize=2${cursor ? `&cursor=${cursor}` : ''}`, { token: owner.access });
        expect(page.status).toBe(200);
        expect(page.body.events.length).toBeLessThanOrEqual(2);
        seen.push(...page.body.events.map((e: { resource: { id: string }; time: string }) => ({ id: e.resource.id, time: e.time })));
        cursor = page.body.nextCursor;
        pages++;
      } while (cursor);
      expect(pages).toBe(3);
      expect(seen.map((e) => e.id).sort()).toEqual(tokens.map((t) => t.id).sort());
      const times = seen.map((e) => Date.parse(e.time));
      expect(times).toEqual([...times].sort((a, b) => b - a));

      const byResource = await app.request('GET', `${url}?resourceId=${tokens[2].id}`, { token: owner.access });
      expect(byResource.body.events.map((e: { action: string }) => e.action)).toEqual(['instance-token.create']);
      const since = await app.request('GET', `${url}?since=${encodeURIComponent(start)}`, { token: owner.access });
      expect(since.body.events).toHaveLength(5);
      const until = await app.request('GET', `${url}?until=${encodeURIComponent(start)}`, { token: owner.access });
      expect(until.body.events.map((e: { action: string }) => e.action)).toEqual(['instance.create']);
    });

    it('is readable by project readers only, and validates its query', async () => {
      const reader = await givenMember(app, project, 'reader', 'audit-reader@tessera.test');
      const outsider = await app.createUser('audit-outsider@tessera.test');
      const url = `/v1/projects/${project.id}/audit-events`;
      expect((await app.request('GET', url, { token: reader.access })).status).toBe(200);
      expect((await app.request('GET', `/v1alpha/projects/${project.id}/audit-events`, { token: reader.access })).status).toBe(200);
      expect((await app.request('GET', url, { token: outsider.access })).status).toBe(403);
      expect((await app.request('GET', url)).status).toBe(401);
      for (const query of [
        'pageSize=0',
        'pageSize=101',
        'pageSize=two',
        'action=instance.explode',
        'since=yesterday',
        'cursor=bm90LWEtY3Vyc29y',
        'colour=red',
      ]) {
        const response = await app.request('GET', `${url}?${query}`, { token: reader.access });
        expect([query, response.status]).toEqual([query, 400]);
        expect(response.body.code).toBe(400);
      }
      expect((await app.request('GET', '/v1/projects/not-a-uuid/audit-events', { token: owner.access })).status).toBe(400);
    });
  });
});
