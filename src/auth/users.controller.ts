import { Body, Controller, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiConsoleErrors } from '../common/api-errors.decorator';
import { CurrentPrincipal, Principal } from '../common/principal';
import { CreateUserDto, ResetPasswordDto, UpdateUserDto, UserDto } from './dto/user.dto';
import { UsersService } from './users.service';

@ApiTags('console users')
@ApiBearerAuth()
@ApiConsoleErrors(400, 401, 403, 404, 409)
@Controller('console/api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  /** Create a user (platform admins). */
  @Post()
  create(@CurrentPrincipal() caller: Principal, @Body() body: CreateUserDto): Promise<UserDto> {
    return this.users.create(caller, body);
  }

  /** List users (platform admins). */
  @Get()
  list(@CurrentPrincipal() caller: Principal): Promise<UserDto[]> {
    return this.users.list(caller);
  }

  /** The calling user. */
  @Get('me')
  me(@CurrentPrincipal() caller: Principal): Promise<UserDto> {
    return this.users.get(caller, caller.id);
  }

  /** Get a user (platform admins; any user may read themselves). */
  @Get(':userId')
  get(@CurrentPrincipal() caller: Principal, @Param('userId', ParseIdPipe) userId: string): Promise<UserDto> {
    return this.users.get(caller, userId);
  }

  /** Enable, disable, promote or demote a user (platform admins). */
  @Patch(':userId')
  update(@CurrentPrincipal() caller: Principal, @Param('userId', ParseIdPipe) userId: string, @Body() body: UpdateUserDto): Promise<UserDto> {
    return this.users.update(caller, userId, body);
  }

  /** Set a new password and revoke the user's refresh tokens (platform admins). */
  @Post(':userId/password')
  @HttpCode(204)
  resetPassword(@CurrentPrincipal() caller: Principal, @Param('userId', ParseIdPipe) userId: string, @Body() body: ResetPasswordDto): Promise<void> {
    return this.users.resetPassword(caller, userId, body.password);
  }
}
