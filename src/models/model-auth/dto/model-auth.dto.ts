import {} from 'class-validator';
import { IsOptionalOrNull } from '../../../common/validation';
import { IsModelId } from '../../model-id.pipe';

/** `model_id` as a JSON body, a form-encoded body or a query parameter. */
export class ModelAuthDto {
  /** The model's integer id, as in the `x-prt-model-id` header of its metadata. */
  @IsOptionalOrNull()
  @IsModelId()
  model_id?: number;
}

export class ModelSessionTokenDto {
  /** A model API session token (JWT, audience `model:<model_id>`), valid for about 4 hours. */
  token: string;
}
