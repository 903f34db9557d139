import { Injectable } from '@nestjs/common';
import { newId } from '../common/ids';
import { PrismaService } from '../database/prisma.service';

export interface NewUser {
  email: string;
  passwordHash: string;
  isAdmin: boolean;
}

@Injectable()
export class UsersRepository {
  constructor(private readonly prisma: PrismaService) {}

  count() {
    return this.prisma.user.count();
  }

  create(user: NewUser) {
    return this.prisma.user.create({ data: { id: newId(), ...user } });
  }

  findById(id: string) {
    return this.prisma.user.findUnique({ where: { id } });
  }

  findByEmail(email: string) {
    return this.prisma.user.findUnique({ where: { email } });
  }

  list() {
    return this.prisma.user.findMany({ orderBy: { createdAt: 'asc' } });
  }

  update(id: string, data: { isAdmin?: boolean; disabledAt?: Date | null; passwordHash?: string }) {
    return this.prisma.user.update({ where: { id }, data });
  }
}
