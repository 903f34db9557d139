import { Controller, Get, Header } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { Public } from '../common/public.decorator';
import { JwksDto } from './dto/jwks.dto';
import { SigningKeysService } from './signing-keys.service';

@ApiTags('keys')
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: SigningKeysService) {}

  /** Public keys that verify every token Tessera signs (RFC 7517), for offline verification. */
  @Public()
  @Get('jwks.json')
  @Header('cache-control', 'public, max-age=300')
  jwks(): JwksDto {
    return this.keys.jwks();
  }
}
