import { ApiProperty } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsString, MaxLength } from 'class-validator';

export const MAX_REPORTED_TOKENS = 100;
export const MAX_REPORTED_TOKEN_LENGTH = 8192;

export class RevokeLeakedTokensPayload {
  /**
   * Values found where they should not be (a public repository, a paste, a log): 1 to 100 strings
   * of at most 8,192 characters each. Any value may be sent; those that are tokens Tessera issued
   * and that are still live are revoked.
   */
  // The Swagger plugin documents neither the maximum count nor the items' length.
  @ApiProperty({ type: 'array', items: { type: 'string', maxLength: MAX_REPORTED_TOKEN_LENGTH }, minItems: 1, maxItems: MAX_REPORTED_TOKENS })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_REPORTED_TOKENS)
  @IsString({ each: true })
  @MaxLength(MAX_REPORTED_TOKEN_LENGTH, { each: true })
  tokens: string[];
}

export class TokenRevocationAccepted {
  /** The same whether or not any value was a token: the answer reveals nothing about the values. */
  message: string;
}
