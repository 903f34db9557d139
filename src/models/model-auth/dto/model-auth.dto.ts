import { Transform } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_MODEL_ID } from '../../model-id.pipe';

/** Form bodies and query strings carry text: `"12"` becomes 12, anything else stays as sent (and fails). */
const integerText = ({ value }: { value: unknown }) => (typeof value === 'string' && /^\s*\d{1,10}\s*$/.test(value) ? Number(value) : value);

/** `model_id` as a JSON body, a form-encoded body or a query parameter. */
export class ModelAuthDto {
  /** The model's integer id, as in the `x-prt-model-id` header of its metadata. */
  @IsOptional()
  @Transform(integerText)
  @IsInt({ message: 'model_id: must be an integer' })
  @Min(1, { message: 'model_id: must be a positive integer' })
  @Max(MAX_MODEL_ID, { message: 'model_id: no such model id' })
  model_id?: number;
}

export class ModelSessionTokenDto {
  /** A model API session token (JWT, audience `model:<model_id>`), valid for about 4 hours. */
  token: string;
}
