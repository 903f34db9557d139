import { applyDecorators, Injectable, PipeTransform } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { AppError } from '../common/app-error';

/** Model ids are database integers (PostgreSQL INTEGER): anything outside 1..2^31-1 cannot exist. */
export const MAX_MODEL_ID = 2_147_483_647;

export const isModelId = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_MODEL_ID;

/** A model id as a path spells it (digits only), or undefined when no model can have it. */
export function parseModelId(text: string): number | undefined {
  const id = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  return isModelId(id) ? id : undefined;
}

/** Parses a `model_id` path parameter; anything but a positive integer is a 400. */
@Injectable()
export class ParseModelIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = parseModelId(value);
    if (id === undefined) throw AppError.badRequest('model_id: must be a positive integer');
    return id;
  }
}

/** Form bodies and query strings carry text: `"12"` becomes 12, anything else stays as sent (and fails). */
const integerText = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\s*\d{1,10}\s*$/.test(value) ? Number(value) : value);

/** A `model_id` field of a JSON body, a form body or a query string. */
export const IsModelId = () =>
  applyDecorators(
    Transform(integerText),
    IsInt({ message: 'model_id: must be an integer' }),
    Min(1, { message: 'model_id: must be a positive integer' }),
    Max(MAX_MODEL_ID, { message: 'model_id: no such model id' }),
  );
