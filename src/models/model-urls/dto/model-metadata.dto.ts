import { ApiProperty } from '@nestjs/swagger';
import { ModelVersionDto } from '../../registry/dto/model.dto';

/** What `GET <base>/<prefix>/<model>/[<version>/]?get_meta=true` returns. */
export class ModelMetadataDto {
  model_id: number;
  name: string;
  /** The prefix path. @example models/practicus */
  prefix: string;
  prefix_key: string;
  /** Deployed (non-draft) versions, highest first; `null` when there is none. */
  versions: ModelVersionDto[] | null;
  /**
   * The version the URL addresses: the one it names, else the highest `Production` version, else
   * the highest deployed version; `null` when the model has no deployed version.
   */
  @ApiProperty({ type: ModelVersionDto, nullable: true })
  version: ModelVersionDto | null;
}
