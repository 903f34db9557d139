import { Injectable } from '@nestjs/common';
import { hashSecret } from '../common/secret-hash';
import { Rate } from '../config/app-config';
import { WindowCountersRepository } from './window-counters.repository';

const PRUNE_EVERY_ATTEMPTS = 100;

/** Whole seconds until `resetAt`, at least 1: what a 429's `Retry-After` says. */
export const secondsUntil = (resetAt: number, now: number) => Math.max(1, Math.ceil((resetAt - now) / 1000));

/**
 * Fixed-window counters in the database, so every replica counts the same attempts and N replicas
 * do not allow N times the limit; one atomic upsert per attempt, so concurrent attempts each see
 * their own count. Keys are stored as the SHA-256 of `<purpose>:<subject>`: no email or address
 * sits in the table, and purposes cannot collide.
 */
@Injectable()
export class SharedWindowCounters {
  private attempts = 0;

  constructor(private readonly counters: WindowCountersRepository) {}

  /** Counts one attempt of `subject`: 0 while within `rate`, else the seconds until its window ends. */
  async take(purpose: string, subject: string, rate: Rate): Promise<number> {
    const now = new Date();
    const window = await this.counters.count(counterKey(purpose, subject), now, new Date(now.getTime() + rate.windowMs));
    if (++this.attempts % PRUNE_EVERY_ATTEMPTS === 0) this.counters.deleteExpired(now).catch(() => undefined);
    return window.count > rate.limit ? secondsUntil(window.resetAt.getTime(), now.getTime()) : 0;
  }

  clear(purpose: string, subject: string): Promise<void> {
    return this.counters.clear(counterKey(purpose, subject));
  }
}

const counterKey = (purpose: string, subject: string) => hashSecret(`${purpose}:${subject}`);
