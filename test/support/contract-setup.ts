import { rmSync } from 'node:fs';
import { TALLY_DIR } from './contract';

/** Jest globalSetup: a fresh tally of checked responses for this run. */
export default function clearTally(): void {
  rmSync(TALLY_DIR, { recursive: true, force: true });
}
