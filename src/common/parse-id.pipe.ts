import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { isUUID } from 'class-validator';
import { AppError } from './app-error';

/**
 * A UUID path parameter, lower-cased: ids are stored in lower case, so an upper-case spelling of
 * an existing id still finds it. A 400 names the parameter.
 */
export function parsePathId(name: string, value: unknown): string {
  if (typeof value !== 'string' || !isUUID(value)) throw AppError.badRequest(`${name}: must be a UUID`);
  return value.toLowerCase();
}

/** The pipe of every UUID path parameter (`@Param('projectId', ParseIdPipe)`). */
@Injectable()
export class ParseIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    return parsePathId(metadata.data ?? 'id', value);
  }
}
