import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error';

/** Model ids are database integers (PostgreSQL INTEGER): anything outside 1..2^31-1 cannot exist. */
export const MAX_MODEL_ID = 2_147_483_647;

export const isModelId = (value: unknown): value is number => Number.isInteger(value) && (value as number) >= 1 && (value as number) <= MAX_MODEL_ID;

/** Parses a `model_id` path parameter; anything but a positive integer is a 400. */
@Injectable()
export class ParseModelIdPipe implements PipeTransform<string, number> {
  transform(value: string): number {
    const id = /^\d{1,10}$/.test(value) ? Number(value) : NaN;
    if (!isModelId(id)) throw AppError.badRequest('model_id: must be a positive integer');
    return id;
  }
}
