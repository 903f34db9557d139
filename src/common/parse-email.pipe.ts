import { Injectable, PipeTransform } from '@nestjs/common';
import { isEmail } from 'class-validator';
import { AppError } from './app-error';

/** Validates an email path parameter and normalizes it to lower case, as emails are stored. */
@Injectable()
export class ParseEmailPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    const email = value.trim().toLowerCase();
    if (email.length > 254 || !isEmail(email)) throw AppError.badRequest(`"${value.slice(0, 64)}" is not an email address`, 'invalid');
    return email;
  }
}
