import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptionalOrNull } from '../../common/validation';
import { DescriptionProperty, IsRetention, LabelsProperty, labelsSchema, NameProperty, retentionSchema } from './stackit-rules';

export const INSTANCE_STATES = ['pending', 'creating', 'updating', 'active', 'deleting', 'impaired', 'reconciling'] as const;
export type InstanceState = (typeof INSTANCE_STATES)[number];

export class CreateInstancePayload {
  /** @example my-ai-model-experiments-instance */
  @NameProperty(64)
  name: string;

  /** @example My AI Model Experiments instance for project X */
  @DescriptionProperty(160)
  description?: string;

  @LabelsProperty()
  labels?: Record<string, string>;

  @ApiPropertyOptional(retentionSchema)
  @IsOptionalOrNull()
  @IsRetention()
  deletedExperimentRetention?: string;
}

export class PartialUpdateInstancePayload {
  /**
   * An empty name is refused: an instance always has a name.
   * @example my-updated-ai-model-experiments-instance
   */
  @NameProperty(64, { patch: true })
  name?: string;

  /**
   * An empty string or `null` removes the description.
   * @example My updated AI Model Experiments instance for project X
   */
  @DescriptionProperty(160, { patch: true })
  description?: string | null;

  @LabelsProperty({ patch: true })
  labels?: Record<string, string | null>;

  @ApiPropertyOptional(retentionSchema)
  @IsOptionalOrNull()
  @IsRetention()
  deletedExperimentRetention?: string;
}

export class Instance {
  /** @example 57d11a2b-7366-46a7-9f45-2e0ebd079142 */
  id: string;
  /** @example my-ai-model-experiments-instance */
  name: string;
  /** Tessera keeps a registry record, so an instance is `active` as soon as it is created. */
  @ApiProperty({ enum: INSTANCE_STATES, example: 'active' })
  state: InstanceState;
  /** @example https://57d11a2b-7366-46a7-9f45-2e0ebd079142.model-experiments.eu01.stackit.cloud */
  url: string;
  /** @example eu01 */
  region?: string;
  /** @example My AI Model Experiments instance for project X */
  description?: string;
  @ApiPropertyOptional(labelsSchema(false))
  labels?: Record<string, string>;
  @ApiPropertyOptional(retentionSchema)
  deletedExperimentRetention?: string;
  /** Part of the STACKIT schema; Tessera provisions no bucket and never sets it. */
  bucketName?: string;
  /** Part of the STACKIT schema; Tessera instances do not fail and never set it. */
  errorMessage?: string;
}

export class CreateInstanceResponse {
  /** @example successfully created instance */
  message?: string;
  instance: Instance;
}

export class ListInstancesResponse {
  /** @example successfully fetched instances */
  message?: string;
  instances: Instance[];
}

export class GetInstanceResponse {
  /** @example successfully fetched instance */
  message?: string;
  instance: Instance;
}

export class PartialUpdateInstanceResponse {
  /** @example successfully updated instance */
  message?: string;
  instance: Instance;
}

export class DeleteInstanceResponse {
  /** @example successfully deleted instance */
  message?: string;
  instance: Instance;
}
