import { Global, Module } from '@nestjs/common';
import { LocalRevocationBus, RevocationBus } from './revocation-bus';

@Global()
@Module({
  providers: [{ provide: RevocationBus, useClass: LocalRevocationBus }],
  exports: [RevocationBus],
})
export class RevocationModule {}
