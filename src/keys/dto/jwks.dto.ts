/** One public key (RFC 7517), an EC P-256 key for ES256. */
export class JwkDto {
  /** @example EC */
  kty: string;
  /** @example P-256 */
  crv: string;
  /** The x coordinate, base64url. */
  x: string;
  /** The y coordinate, base64url. */
  y: string;
  /** Key id: the RFC 7638 thumbprint, as in the `kid` header of the tokens it verifies. */
  kid: string;
  /** @example ES256 */
  alg: string;
  /** @example sig */
  use: string;
}

/** A JSON Web Key Set (RFC 7517): the current signing key and the keys still accepted. */
export class JwksDto {
  keys: JwkDto[];
}
