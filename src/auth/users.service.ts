import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { AppError } from '../common/app-error';
import { Principal } from '../common/principal';
import { Caches } from '../cache/caches.service';
import { CreateUserDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { hashPassword } from './passwords';
import { RefreshTokensRepository } from './refresh-tokens.repository';
import { UserRow, UsersRepository } from './users.repository';

@Injectable()
export class UsersService implements OnApplicationBootstrap {
  private readonly logger = new Logger('Users');

  constructor(
    private readonly users: UsersRepository,
    private readonly refreshTokens: RefreshTokensRepository,
    private readonly caches: Caches,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** On an empty database, creates the platform admin; a generated password is printed once. */
  async onApplicationBootstrap(): Promise<void> {
    if ((await this.users.count()) > 0) return;
    const { email } = this.config.bootstrapAdmin;
    const password = this.config.bootstrapAdmin.password ?? randomBytes(18).toString('base64url');
    // Undefined when another replica bootstrapped first.
    if (!(await this.users.create({ email, passwordHash: await hashPassword(password), isAdmin: true }))) return;
    if (this.config.bootstrapAdmin.password) this.logger.log(`created platform admin ${email}`);
    // Printed to stdout once, outside the structured log, so it is never shipped to log storage.
    else process.stdout.write(`\nCreated platform admin ${email} with generated password: ${password}\nStore it now; it is not shown again.\n\n`);
  }

  async create(caller: Principal, dto: CreateUserDto): Promise<UserDto> {
    requireAdmin(caller);
    const email = dto.email.toLowerCase();
    const created = await this.users.create({ email, passwordHash: await hashPassword(dto.password), isAdmin: dto.is_admin ?? false });
    if (!created) throw AppError.conflict(`a user with email ${email} already exists`);
    return toDto(created);
  }

  async list(caller: Principal): Promise<UserDto[]> {
    requireAdmin(caller);
    return (await this.users.list()).map(toDto);
  }

  async get(caller: Principal, id: string): Promise<UserDto> {
    if (!(caller.kind === 'user' && caller.id === id)) requireAdmin(caller);
    return toDto(await this.existing(id));
  }

  async update(caller: Principal, id: string, dto: UpdateUserDto): Promise<UserDto> {
    requireAdmin(caller);
    await this.existing(id);
    if (caller.id === id && (dto.is_active === false || dto.is_admin === false)) {
      throw AppError.conflict('you cannot disable or demote your own account');
    }
    const disabledAt = dto.is_active === undefined ? undefined : dto.is_active ? null : new Date();
    // Disabling ends every access token issued so far; re-enabling leaves the cutoff, so they stay dead.
    const user = await this.users.update(id, { isAdmin: dto.is_admin, disabledAt, tokensValidAfter: disabledAt ?? undefined });
    if (!user) throw AppError.notFound('user not found');
    if (dto.is_active === false) await this.refreshTokens.revokeAllOfUser(id);
    // Every replica caches who is active and admin (bearer principals, model access): a change must reach them all.
    if (dto.is_active !== undefined || dto.is_admin !== undefined) await this.caches.invalidate('user', id);
    return toDto(user);
  }

  async resetPassword(caller: Principal, id: string, password: string): Promise<void> {
    requireAdmin(caller);
    await this.existing(id);
    // Whoever knew the old password may hold its tokens: access tokens issued until now die with it.
    await this.users.update(id, { passwordHash: await hashPassword(password), tokensValidAfter: new Date() });
    await this.refreshTokens.revokeAllOfUser(id);
    await this.caches.invalidate('user', id);
  }

  private async existing(id: string): Promise<UserRow> {
    const user = await this.users.findById(id);
    if (!user) throw AppError.notFound('user not found');
    return user;
  }
}

function requireAdmin(caller: Principal): void {
  if (caller.kind !== 'user' || !caller.isAdmin) throw AppError.forbidden('only platform administrators manage users');
}

function toDto(user: UserRow): UserDto {
  return { id: user.id, email: user.email, is_admin: user.isAdmin, is_active: !user.disabledAt, created_at: user.createdAt };
}
