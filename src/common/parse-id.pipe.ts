import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError } from './app-error';

/**
 * Validates a UUID path parameter and names it in the 400. Ids are stored in lower case, so an
 * upper-case spelling of an existing id still finds it.
 */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (typeof value !== 'string' || !isUUID(value)) throw AppError.badRequest(`${metadata.data ?? 'id'}: must be a UUID`, 'invalid');
    return value.toLowerCase();
  }
}
