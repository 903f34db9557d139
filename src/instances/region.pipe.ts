import { Inject, Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from '../common/app-error';
import { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

/** Accepts only the configured regions (`TESSERA_REGIONS`); anything else is a 400 naming them. */
@Injectable()
export class RegionPipe implements PipeTransform<string, string> {
  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {}

  transform(value: string): string {
    const { regions } = this.config.instances;
    if (!regions.includes(value)) {
      throw AppError.badRequest(`regionId: unknown region "${value.slice(0, 64)}"; this service serves ${regions.join(', ')}`, 'invalid');
    }
    return value;
  }
}
