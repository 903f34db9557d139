import { Global, Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { JwksController } from './jwks.controller';
import { SigningKeysService } from './signing-keys.service';
import { TokenSigner } from './token-signer.service';

@Global()
@Module({
  imports: [JwtModule.register({})],
  controllers: [JwksController],
  providers: [SigningKeysService, TokenSigner],
  exports: [SigningKeysService, TokenSigner],
})
export class KeysModule {}
