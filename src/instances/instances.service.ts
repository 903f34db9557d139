import { Inject, Injectable } from '@nestjs/common';
import { AuditAction, successEntry } from '../audit/audit-actions';
import { Caller } from '../audit/caller';
import { AuditService } from '../audit/audit.service';
import { AppError } from '../common/app-error';
import { newId } from '../common/ids';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Transactions } from '../database/transactions';
import { ProjectAccessService } from '../projects/project-access.service';
import { Caches } from '../cache/caches.service';
import { CreateInstancePayload, Instance, InstanceState, PartialUpdateInstancePayload } from './dto/instance.dto';
import { InstanceTokensRepository } from './instance-tokens.repository';
import { InstanceChanges, InstanceScope, InstancesRepository } from './instances.repository';
import { changedFields, decodeLabels, encodeLabels, patchLabels } from './representation';
import { descriptionChange, storedDescription } from '../common/description';

type InstanceRow = NonNullable<Awaited<ReturnType<InstancesRepository['find']>>>;

/**
 * Instances are registry records: Tessera runs no MLflow, so an instance is `active` at once and
 * its `url` comes from TESSERA_INSTANCE_URL_TEMPLATE.
 */
@Injectable()
export class InstancesService {
  constructor(
    private readonly instances: InstancesRepository,
    private readonly tokens: InstanceTokensRepository,
    private readonly access: ProjectAccessService,
    private readonly audit: AuditService,
    private readonly caches: Caches,
    private readonly transactions: Transactions,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async list(caller: Caller, scope: InstanceScope): Promise<Instance[]> {
    await this.access.require(caller.principal, scope.projectId, 'reader');
    return (await this.instances.list(scope)).map((row) => this.toInstance(row));
  }

  async get(caller: Caller, scope: InstanceScope, id: string): Promise<Instance> {
    await this.access.require(caller.principal, scope.projectId, 'reader');
    return this.toInstance(await this.existing(scope, id));
  }

  async create(caller: Caller, scope: InstanceScope, body: CreateInstancePayload): Promise<Instance> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    const row = await this.transactions.run(async (tx) => {
      const created = await this.instances.create(
        scope,
        {
          id: newId(),
          name: body.name,
          description: storedDescription(body.description),
          labels: encodeLabels(body.labels),
          deletedExperimentRetention: body.deletedExperimentRetention ?? null,
        },
        tx,
      );
      await this.audit.record(this.event(caller, scope, 'instance.create', created.id, { name: created.name }), tx);
      return created;
    });
    return this.toInstance(row);
  }

  async update(caller: Caller, scope: InstanceScope, id: string, body: PartialUpdateInstancePayload): Promise<Instance> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    // The update payload's pattern allows an empty name, but an Instance always has one.
    if (body.name === '') throw AppError.badRequest('name: must not be empty; an instance always has a name', 'invalid');
    const row = await this.transactions.run(async (tx) => {
      if (!(await this.instances.lockLive(scope, id, tx))) throw AppError.notFound('instance not found');
      const current = (await this.instances.find(scope, id, tx))!;
      const changes: InstanceChanges = {
        name: body.name,
        description: descriptionChange(body.description),
        labels: body.labels ? patchLabels(current.labels, body.labels) : undefined,
        deletedExperimentRetention: body.deletedExperimentRetention,
      };
      await this.instances.update(scope, id, changes, tx);
      await this.audit.record(this.event(caller, scope, 'instance.update', id, { fields: changedFields(changes) }), tx);
      return (await this.instances.find(scope, id, tx))!;
    });
    return this.toInstance(row);
  }

  /** Soft-deletes the instance and deletes all its tokens in one transaction; GET answers 404 from then on. */
  async delete(caller: Caller, scope: InstanceScope, id: string): Promise<Instance> {
    await this.access.require(caller.principal, scope.projectId, 'editor');
    const row = await this.transactions.run(async (tx) => {
      const current = await this.instances.find(scope, id, tx);
      if (!current || !(await this.instances.markDeleted(scope, id, tx))) throw AppError.notFound('instance not found');
      await this.tokens.bumpListRevision({ ...scope, instanceId: id }, tx);
      const { count } = await this.tokens.deleteAllOfInstance({ ...scope, instanceId: id }, tx);
      await this.audit.record(this.event(caller, scope, 'instance.delete', id, { deletedTokens: count }), tx);
      return current;
    });
    // Before the response: once the DELETE returns, no cached verification of its tokens survives.
    await this.caches.invalidate('instance', id);
    return this.toInstance(row, 'deleting');
  }

  private async existing(scope: InstanceScope, id: string): Promise<InstanceRow> {
    const row = await this.instances.find(scope, id);
    if (!row) throw AppError.notFound('instance not found');
    return row;
  }

  private event(caller: Caller, scope: InstanceScope, action: Extract<AuditAction, `instance.${string}`>, id: string, details: Record<string, unknown>) {
    return successEntry(caller, scope.projectId, action, { type: 'instance', id }, details);
  }

  private toInstance(row: InstanceRow, state: InstanceState = row.state as InstanceState): Instance {
    return {
      id: row.id,
      name: row.name,
      state,
      url: this.config.instances.urlTemplate.replaceAll('{instanceId}', row.id).replaceAll('{region}', row.region),
      region: row.region,
      ...(row.description ? { description: row.description } : {}),
      ...(row.labels ? { labels: decodeLabels(row.labels) } : {}),
      ...(row.deletedExperimentRetention ? { deletedExperimentRetention: row.deletedExperimentRetention } : {}),
    };
  }
}
