import { Module } from '@nestjs/common';
import { ConsoleEndpoint } from './console-endpoint';

/** The web console's pages and assets at `/console/` (the app itself is in console/ at the repository root). */
@Module({ providers: [ConsoleEndpoint] })
export class ConsoleModule {}
