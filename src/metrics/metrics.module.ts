import { Global, Module } from '@nestjs/common';
import { MetricsEndpoint } from './metrics-endpoint';
import { Metrics } from './metrics.service';
import { TokenCountsRepository } from './token-counts.repository';

/** Prometheus metrics: `Metrics` records (every module may inject it), `MetricsEndpoint` serves them. */
@Global()
@Module({
  providers: [Metrics, MetricsEndpoint, TokenCountsRepository],
  exports: [Metrics],
})
export class MetricsModule {}
