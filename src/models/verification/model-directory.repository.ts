import { Injectable } from '@nestjs/common';
import { columns } from '../../database/rows';
import { SqlDatabase } from '../../database/sql-database';
import { recordedUses } from '../../token-uses/token-uses.repository';
import { ModelStage } from '../model-paths';

const USER_GRANT = columns({ isAdmin: 'bool', disabledAt: 'date?', tokensValidAfter: 'date?', grantId: 'int?' });
const EXTERNAL_TOKEN = columns({
  id: 'text',
  prefixId: 'int',
  modelId: 'int?',
  tokenHash: 'text',
  expiresAt: 'date',
  revokedAt: 'date?',
  lastUsedAt: 'date?',
  address: 'text?',
  addressUsedAt: 'date?',
});
const PREFIX = columns({ id: 'int', prefix: 'text' });
const MODEL_ID = columns({ id: 'int' });
const MODEL = columns({ id: 'int', name: 'text', prefixId: 'int', prefixKey: 'text', prefix: 'text' });
const VERSION = columns({ version: 'text', stage: (value) => value as ModelStage, draft: 'bool', createdAt: 'date' });

/**
 * The registry reads behind ModelDirectory, on the hot paths (model URLs, session and external
 * token checks): raw SQL through SqlDatabase, each a single indexed query.
 */
@Injectable()
export class ModelDirectoryRepository {
  constructor(private readonly sql: SqlDatabase) {}

  /** The user and their grant on the prefix (`grantId` null without one); undefined when there is no such user. */
  findUserGrant(userId: string, prefixId: number) {
    return this.sql.selectOne(
      USER_GRANT,
      `SELECT u."isAdmin", u."disabledAt", u."tokensValidAfter", g."id" AS "grantId" FROM "User" u
       LEFT JOIN "ModelPrefixGrant" g ON g."userId" = u."id" AND g."prefixId" = $1
       WHERE u."id" = $2`,
      [prefixId, userId],
    );
  }

  /** The token and its recorded client addresses in one round trip: a row per address (one row when it has none). */
  async findExternalToken(id: string) {
    const rows = await this.sql.select(
      EXTERNAL_TOKEN,
      `SELECT t."id", t."prefixId", t."modelId", t."tokenHash", t."expiresAt", t."revokedAt", t."lastUsedAt", a."address", a."lastUsedAt" AS "addressUsedAt"
       FROM "ExternalApiToken" t LEFT JOIN "ExternalApiTokenAddress" a ON a."tokenId" = t."id" WHERE t."id" = $1`,
      [id],
    );
    if (!rows.length) return undefined;
    const { prefixId, modelId, tokenHash, expiresAt, revokedAt } = rows[0];
    return { id, prefixId, modelId, tokenHash, expiresAt, revokedAt, ...recordedUses(rows) };
  }

  listPrefixes() {
    return this.sql.select(PREFIX, `SELECT "id", "prefix" FROM "ModelPrefix"`);
  }

  async findModelId(prefixId: number, name: string): Promise<number | undefined> {
    const row = await this.sql.selectOne(MODEL_ID, `SELECT "id" FROM "Model" WHERE "prefixId" = $1 AND "name" = $2`, [prefixId, name]);
    return row?.id;
  }

  /** The model with its prefix, and its versions. */
  async findModel(id: number) {
    const model = await this.sql.selectOne(
      MODEL,
      `SELECT m."id", m."name", m."prefixId", p."key" AS "prefixKey", p."prefix" FROM "Model" m
       JOIN "ModelPrefix" p ON p."id" = m."prefixId" WHERE m."id" = $1`,
      [id],
    );
    if (!model) return undefined;
    const versions = await this.sql.select(VERSION, `SELECT "version", "stage", "draft", "createdAt" FROM "ModelVersion" WHERE "modelId" = $1`, [id]);
    return { ...model, versions };
  }
}
