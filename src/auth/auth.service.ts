import { HttpStatus, Inject, Injectable } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppError } from '../common/app-error';
import { newId } from '../common/ids';
import { CONSOLE_AUDIENCE, TokenSigner } from '../keys/token-signer.service';
import { Metrics, VerificationMeter, VerificationResult } from '../metrics/metrics.service';
import { LoginThrottle } from './login-throttle';
import { hashPassword, verifyPassword } from './passwords';
import { PrincipalsService } from './principals.service';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UsersRepository } from './users.repository';

const NO_ACTIVE_ACCOUNT = 'No active account found with the given credentials';

@Injectable()
export class AuthService {
  /** Verified against when the email is unknown, so both failures cost one argon2 verification. */
  private readonly decoyHash = hashPassword(newId());
  private readonly verifications: VerificationMeter;

  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly signer: TokenSigner,
    private readonly principals: PrincipalsService,
    private readonly throttle: LoginThrottle,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly metrics: Metrics,
  ) {
    this.verifications = metrics.verifications('console');
  }

  async login(email: string, password: string, clientAddress: string) {
    const account = email.trim().toLowerCase();
    // Counted before the password check: concurrent guesses cannot all pass a check that only
    // failures finished so far would update.
    await this.throttle.admit(account, clientAddress).catch((error: unknown) => {
      if (error instanceof AppError && error.status === HttpStatus.TOO_MANY_REQUESTS) this.metrics.login('throttled');
      throw error;
    });

    const user = await this.users.findByEmail(account);
    const valid = await verifyPassword(user?.passwordHash ?? (await this.decoyHash), password);
    if (!user || !valid || user.disabledAt) {
      this.metrics.login('invalid_credentials');
      throw new AppError(401, 'no_active_account', NO_ACTIVE_ACCOUNT);
    }
    await this.throttle.succeeded(account);
    this.metrics.login('success');
    const refresh = await this.issueRefresh(user.id, newId());
    return { refresh, access: this.issueAccess(user.id, user.email) };
  }

  /** Exchanges a refresh token for an access token (and, with rotation on, a new refresh token). */
  async refresh(refreshToken: string): Promise<{ access: string; refresh?: string }> {
    const { claims, row, user } = await this.validRefresh(refreshToken);
    if (!this.config.auth.refreshRotation) return { access: this.issueAccess(user.id, user.email) };
    if (row.rotatedAt || !(await this.refreshTokens.markRotated(row.id))) {
      // A rotated token came back: someone holds a copy. Revoke the whole family.
      await this.refreshTokens.revokeFamily(row.familyId);
      throw AppError.invalidToken('Token has already been used');
    }
    const refresh = await this.issueRefresh(user.id, row.familyId);
    return { access: this.issueAccess(user.id, typeof claims.email === 'string' ? claims.email : user.email), refresh };
  }

  /** True for a valid access token or a live refresh token. */
  async verify(token: string): Promise<boolean> {
    const started = performance.now();
    const result = await this.check(token);
    this.verifications.observe(result, (performance.now() - started) / 1000);
    return result === 'valid';
  }

  private async check(token: string): Promise<VerificationResult> {
    const claims = this.signer.check(token, ['access', 'refresh'], CONSOLE_AUDIENCE);
    if (typeof claims === 'string') return claims;
    if (claims.token_type === 'access') return (await this.principals.fromClaims(claims)) ? 'valid' : 'revoked';
    return this.validRefresh(token).then(
      (): VerificationResult => 'valid',
      (error: unknown): VerificationResult => {
        // Only a refusal means "not valid"; a database failure is not an answer about the token.
        if (error instanceof AppError) return 'revoked';
        throw error;
      },
    );
  }

  async logout(refreshToken: string): Promise<void> {
    const claims = this.signer.verify(refreshToken, 'refresh', CONSOLE_AUDIENCE);
    if (!claims) throw AppError.invalidToken();
    await this.refreshTokens.revoke(claims.jti);
  }

  private async validRefresh(token: string) {
    const claims = this.signer.verify(token, 'refresh', CONSOLE_AUDIENCE);
    if (!claims && this.signer.verify(token, 'refresh', CONSOLE_AUDIENCE, { allowExpired: true })) {
      throw AppError.expiredToken('The refresh token has expired; log in again at /console/api/auth/.');
    }
    const row = claims && (await this.refreshTokens.findById(claims.jti));
    if (!claims || !row || row.revokedAt || row.expiresAt <= new Date()) throw AppError.invalidToken();
    if (row.rotatedAt && !this.config.auth.refreshRotation) throw AppError.invalidToken();
    const user = await this.principals.activeUser(claims.sub);
    if (!user) throw AppError.invalidToken();
    return { claims: claims, row, user };
  }

  private issueAccess(userId: string, email: string): string {
    const expiresAt = new Date(Date.now() + this.config.auth.accessTtlMs);
    return this.signer.issue({ type: 'access', subject: userId, audience: CONSOLE_AUDIENCE, expiresAt, claims: { user_id: userId, email } }).token;
  }

  private async issueRefresh(userId: string, familyId: string): Promise<string> {
    const expiresAt = new Date(Date.now() + this.config.auth.refreshTtlMs);
    const { token, id } = this.signer.issue({ type: 'refresh', subject: userId, audience: CONSOLE_AUDIENCE, expiresAt, claims: { user_id: userId } });
    await this.refreshTokens.create({ id, userId, familyId, expiresAt });
    return token;
  }
}
