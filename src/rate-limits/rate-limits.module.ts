import { Module } from '@nestjs/common';
import { SharedWindowCounters } from './shared-window-counters';
import { WindowCountersRepository } from './window-counters.repository';

@Module({
  providers: [SharedWindowCounters, WindowCountersRepository],
  exports: [SharedWindowCounters],
})
export class RateLimitsModule {}
