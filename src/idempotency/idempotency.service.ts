import { HttpStatus, Injectable, Logger, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { IdempotencyRepository, PENDING } from './idempotency.repository';
import { ResponseSealer } from './response-sealer';

/** How long a stored response is replayed. */
export const REPLAY_WINDOW_MS = 24 * 3_600_000;
/** How long a crashed request may hold its key before a retry may run it again. */
const LOCK_MS = 30_000;
const PURGE_EVERY_MS = 10 * 60_000;

export type Claim = { kind: 'claimed'; id: string } | { kind: 'replay'; status: number; body: unknown };

/**
 * `Idempotency-Key` semantics: the first request with a key claims it by inserting the unique
 * (scope, key) row, so concurrent duplicates cannot both run; its response is stored encrypted for
 * 24 h and replayed to retries with the same body. Only successful responses are stored: after an
 * error the key is released and a retry runs again.
 */
@Injectable()
export class IdempotencyService implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger('Idempotency');
  private purgeTimer?: NodeJS.Timeout;

  constructor(
    private readonly records: IdempotencyRepository,
    private readonly sealer: ResponseSealer,
  ) {}

  onModuleInit(): void {
    this.purgeTimer = setInterval(() => void this.purge(), PURGE_EVERY_MS).unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.purgeTimer);
  }

  async begin(scope: string, key: string, requestHash: string): Promise<Claim> {
    for (let attempt = 0; attempt < 3; attempt++) {
      const now = new Date();
      const id = await this.records.claim(scope, key, requestHash, new Date(now.getTime() + LOCK_MS));
      if (id) return { kind: 'claimed', id };
      const record = await this.records.find(scope, key);
      if (!record) continue; // purged in between: claim again
      if (record.expiresAt <= now) {
        await this.records.deleteIfExpired(record.id, now);
        continue;
      }
      if (record.requestHash !== requestHash) {
        throw new AppError(
          HttpStatus.UNPROCESSABLE_ENTITY,
          'idempotency_key_reused',
          'this Idempotency-Key was already used with a different request; use a new key for a new request',
        );
      }
      if (record.statusCode === PENDING) {
        throw AppError.conflict('a request with this Idempotency-Key is still being processed; retry shortly', 'idempotency_in_progress');
      }
      const body = this.sealer.open(record.responseSealed, context(scope, key));
      if (body === undefined) {
        throw AppError.conflict('the response stored for this Idempotency-Key can no longer be read; use a new key', 'idempotency_unreadable');
      }
      return { kind: 'replay', status: record.statusCode, body: JSON.parse(body) };
    }
    throw AppError.conflict('could not claim this Idempotency-Key; retry shortly', 'idempotency_in_progress');
  }

  async complete(id: string, scope: string, key: string, status: number, body: unknown): Promise<void> {
    const sealed = this.sealer.seal(JSON.stringify(body ?? null), context(scope, key));
    await this.records.complete(id, status, sealed, new Date(Date.now() + REPLAY_WINDOW_MS));
  }

  async release(id: string): Promise<void> {
    await this.records.release(id);
  }

  async purge(): Promise<void> {
    try {
      await this.records.purgeExpired(new Date());
    } catch (error) {
      this.logger.error(`purging expired idempotency records failed: ${(error as Error).message}`);
    }
  }
}

const context = (scope: string, key: string) => `${scope}\n${key}`;
