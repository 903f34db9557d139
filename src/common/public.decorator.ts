import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'tessera:isPublic';

/** Opts a route out of the global bearer guard; every other route requires a token. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
