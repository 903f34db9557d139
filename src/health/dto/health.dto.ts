/** A probe's answer. */
export class HealthDto {
  /** Always `ok`; a failing readiness probe answers 503 instead. @example ok */
  status: 'ok';
}
