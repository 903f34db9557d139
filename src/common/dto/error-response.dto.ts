/** The STACKIT-style error body of `/v1`, `/v1alpha` and `/v2` routes. */
export class ErrorResponse {
  /** The HTTP status code. */
  code: number;
  /** User facing error message. */
  message: string;
  /** The canonical error code (HTTP reason phrase). */
  status: string;
}

/** The console (Practicus-style) error body of `/console/api` and model routes. */
export class ConsoleErrorResponse {
  /** Human readable message. */
  detail: string;
  /** Stable machine-readable code, e.g. `token_not_valid`, `no_active_account`. */
  code: string;
}
