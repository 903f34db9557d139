import { Global, Module } from '@nestjs/common';
import { JwksController } from './jwks.controller';
import { SigningKeysService } from './signing-keys.service';
import { TokenSigner } from './token-signer.service';

@Global()
@Module({
  controllers: [JwksController],
  providers: [SigningKeysService, TokenSigner],
  exports: [SigningKeysService, TokenSigner],
})
export class KeysModule {}
