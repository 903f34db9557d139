import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TALLY_DIR } from './contract';

/**
 * Jest globalTeardown: how many responses were checked against the OpenAPI document, per
 * operation, and which requests opted out (with their reasons). Written to coverage/contract/report.json.
 */
export default function reportTally(): void {
  if (!existsSync(TALLY_DIR)) return;
  const lines = readdirSync(TALLY_DIR)
    .filter((file) => file.endsWith('.jsonl'))
    .flatMap((file) => readFileSync(join(TALLY_DIR, file), 'utf8').split('\n').filter(Boolean))
    .map((line) => JSON.parse(line) as { operationId?: string; status: number; undocumented?: string; method?: string; path?: string });
  const checked = lines.filter((line) => line.operationId);
  const optedOut = lines.filter((line) => line.undocumented);
  const perOperation: Record<string, Record<string, number>> = {};
  for (const { operationId, status } of checked) {
    perOperation[operationId!] ??= {};
    perOperation[operationId!][status] = (perOperation[operationId!][status] ?? 0) + 1;
  }
  const reasons: Record<string, number> = {};
  for (const { undocumented } of optedOut) reasons[undocumented!] = (reasons[undocumented!] ?? 0) + 1;
  writeFileSync(join(TALLY_DIR, 'report.json'), JSON.stringify({ checked: checked.length, optedOut: optedOut.length, perOperation, reasons }, null, 2));
  process.stdout.write(
    `\nOpenAPI contract: ${checked.length} responses checked against the served document (${Object.keys(perOperation).length} operations); ` +
      `${optedOut.length} deliberately undocumented requests not checked. Details: ${join(TALLY_DIR, 'report.json')}\n`,
  );
}
