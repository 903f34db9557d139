import { Body, Controller, Headers, HttpCode, Ip, Post } from '@nestjs/common';
import { ApiBody, ApiHeader, ApiTags } from '@nestjs/swagger';
import { AppError } from '../common/app-error';
import { Public } from '../common/public.decorator';
import { ApiConsoleErrors } from '../common/api-errors.decorator';
import { AuthService } from './auth.service';
import { LoginDto, TokenPairDto } from './dto/login.dto';
import { LogoutDto, RefreshedTokensDto, RefreshDto, VerifyDto } from './dto/refresh.dto';

@ApiTags('console auth')
@ApiConsoleErrors(400, 401, 429)
@Public()
@Controller('console/api/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  /** Log in with email and password; returns a refresh and an access token. */
  @Post()
  @HttpCode(200)
  login(@Body() body: LoginDto, @Ip() ip: string): Promise<TokenPairDto> {
    return this.auth.login(body.email, body.password, ip);
  }

  /**
   * Exchange a refresh token for a new access token. Send the refresh token either in the body
   * (`{"refresh": ...}`) or as `Authorization: Bearer <refresh>`; one of the two is enough, and
   * the body wins when both are sent.
   */
  @Post('refresh')
  @HttpCode(200)
  @ApiBody({ type: RefreshDto, required: false })
  @ApiHeader({ name: 'authorization', required: false, description: '`Bearer <refresh token>`, when the body carries none.' })
  refresh(@Body() body: RefreshDto, @Headers('authorization') authorization?: string): Promise<RefreshedTokensDto> {
    const token = body.refresh ?? bearer(authorization);
    if (!token) throw AppError.badRequest('refresh: this field is required (or send Authorization: Bearer <refresh>)');
    return this.auth.refresh(token);
  }

  /** Check a token: 200 when valid, 401 otherwise. */
  @Post('verify')
  @HttpCode(200)
  async verify(@Body() body: VerifyDto): Promise<Record<string, never>> {
    if (!(await this.auth.verify(body.token))) throw AppError.invalidToken();
    return {};
  }

  /** Revoke a refresh token. */
  @Post('logout')
  @HttpCode(200)
  async logout(@Body() body: LogoutDto): Promise<Record<string, never>> {
    await this.auth.logout(body.refresh);
    return {};
  }
}

function bearer(header?: string): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
  return match?.[1];
}
