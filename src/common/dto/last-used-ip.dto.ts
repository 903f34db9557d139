import { ApiProperty } from '@nestjs/swagger';

/** A client address that presented a token, and when it last did. */
export class LastUsedIp {
  /**
   * IPv4 or IPv6; the address the gateway named (X-Forwarded-For, X-Real-IP) when the gateway is a
   * trusted proxy (TESSERA_TRUSTED_PROXIES), else the address of the connection.
   * @example 203.0.113.7
   */
  ip: string;
  /** When this address last presented the token, to the minute. */
  @ApiProperty({ format: 'date-time', example: '2025-08-20T08:15:00Z' })
  lastUsedAt: string;
}
