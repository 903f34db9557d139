import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { hashSecret } from '../common/secret-hash';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { LoginFailuresRepository } from './login-failures.repository';

/**
 * Fixed-window counters kept in memory. `take` checks and counts in one synchronous step, so
 * concurrent requests cannot all pass the check before any of them is counted.
 */
export class WindowCounter {
  private readonly windows = new Map<string, { count: number; resetAt: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
  ) {}

  /** Counts one attempt: 0 when it is within the limit, else the seconds until the key may try again (not counted). */
  take(key: string, now = Date.now()): number {
    const window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      if (this.windows.size > 100_000) this.prune(now);
      this.windows.set(key, { count: 1, resetAt: now + this.windowMs });
      return 0;
    }
    if (window.count >= this.limit) return secondsUntil(window.resetAt, now);
    window.count += 1;
    return 0;
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}

const PRUNE_EVERY_ATTEMPTS = 100;

/**
 * Login throttling. Every attempt is counted before the password is checked: per client address
 * (all attempts, in this replica's memory) and per account (in the database, so all replicas share
 * one count and N replicas do not allow N times the guesses; one atomic upsert, so concurrent
 * attempts each see their own count). A successful login clears its account's count, so the
 * account limit is in effect a limit on consecutive failures. Unknown emails are counted like
 * known ones (their refusals must look alike) under the SHA-256 of the address, never the address.
 */
@Injectable()
export class LoginThrottle {
  private readonly perAddress: WindowCounter;
  private attempts = 0;

  constructor(
    private readonly failures: LoginFailuresRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.perAddress = new WindowCounter(config.auth.loginAttemptsPerAddressPerMinute, 60_000);
  }

  /** Counts an attempt for `account` (lower-cased email) from `address`; 429 when either is over its limit. */
  async admit(account: string, address: string): Promise<void> {
    const addressWait = this.perAddress.take(address);
    if (addressWait) throw tooMany(addressWait);
    const now = new Date();
    const window = await this.failures.count(accountKey(account), now, new Date(now.getTime() + this.config.auth.loginFailureWindowMs));
    if (++this.attempts % PRUNE_EVERY_ATTEMPTS === 0) this.failures.deleteExpired(now).catch(() => undefined);
    if (window.count > this.config.auth.loginFailuresPerAccount) throw tooMany(secondsUntil(window.resetAt.getTime(), now.getTime()));
  }

  succeeded(account: string): Promise<void> {
    return this.failures.clear(accountKey(account));
  }
}

const accountKey = (account: string) => hashSecret(`login:${account}`);
const secondsUntil = (resetAt: number, now: number) => Math.max(1, Math.ceil((resetAt - now) / 1000));
const tooMany = (seconds: number) => AppError.tooManyRequests(seconds, 'Too many login attempts; try again later.');
