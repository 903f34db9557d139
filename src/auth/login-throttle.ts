import { Inject, Injectable } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AppConfig, Rate } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { secondsUntil, SharedWindowCounters } from '../rate-limits/shared-window-counters';

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

/**
 * Login throttling. Every attempt is counted before the password is checked: per client address
 * (all attempts, in this replica's memory) and per account (SharedWindowCounters: in the
 * database, shared by all replicas). A successful login clears its account's count, so the
 * account limit is in effect a limit on consecutive failures. Unknown emails are counted like
 * known ones: their refusals must look alike.
 */
@Injectable()
export class LoginThrottle {
  private readonly perAddress: WindowCounter;
  private readonly perAccount: Rate;

  constructor(
    private readonly counters: SharedWindowCounters,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.perAddress = new WindowCounter(config.auth.loginAttemptsPerAddressPerMinute, 60_000);
    this.perAccount = { limit: config.auth.loginFailuresPerAccount, windowMs: config.auth.loginFailureWindowMs };
  }

  /** Counts an attempt for `account` (lower-cased email) from `address`; 429 when either is over its limit. */
  async admit(account: string, address: string): Promise<void> {
    const addressWait = this.perAddress.take(address);
    if (addressWait) throw tooMany(addressWait);
    const accountWait = await this.counters.take(LOGIN, account, this.perAccount);
    if (accountWait) throw tooMany(accountWait);
  }

  succeeded(account: string): Promise<void> {
    return this.counters.clear(LOGIN, account);
  }
}

const LOGIN = 'login';
const tooMany = (seconds: number) => AppError.tooManyRequests(seconds, 'Too many login attempts; try again later.');
