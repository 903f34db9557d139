import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { ParseIdPipe } from '../common/parse-id.pipe';
import { ApiStackitErrors } from '../common/api-errors.decorator';
import { CurrentPrincipal, Principal } from '../common/principal';
import {
  AddMemberDto,
  CreateProjectDto,
  ListMembersResponse,
  ListProjectsResponse,
  MemberDto,
  ProjectDto,
  UpdateMemberDto,
  UpdateProjectDto,
} from './dto/project.dto';
import { ProjectsService } from './projects.service';

@ApiTags('projects')
@ApiBearerAuth()
@ApiStackitErrors(400, 401, 403, 404, 409)
@Controller(['v1/projects', 'v1alpha/projects'])
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  /** Create a project; the caller becomes its owner. */
  @Post()
  create(@CurrentPrincipal() caller: Principal, @Body() body: CreateProjectDto): Promise<ProjectDto> {
    return this.projects.create(caller, body.name);
  }

  /** Projects the caller is a member of (all of them for platform admins). */
  @Get()
  async list(@CurrentPrincipal() caller: Principal): Promise<ListProjectsResponse> {
    return { items: await this.projects.list(caller) };
  }

  /** Get a project (project readers). */
  @Get(':projectId')
  get(@CurrentPrincipal() caller: Principal, @Param('projectId', ParseIdPipe) projectId: string): Promise<ProjectDto> {
    return this.projects.get(caller, projectId);
  }

  /** Rename a project (owners). */
  @Patch(':projectId')
  update(@CurrentPrincipal() caller: Principal, @Param('projectId', ParseIdPipe) projectId: string, @Body() body: UpdateProjectDto): Promise<ProjectDto> {
    return this.projects.rename(caller, projectId, body.name);
  }

  /** Delete a project with its instances, tokens and service accounts (owners). */
  @Delete(':projectId')
  @HttpCode(204)
  delete(@CurrentPrincipal() caller: Principal, @Param('projectId', ParseIdPipe) projectId: string): Promise<void> {
    return this.projects.delete(caller, projectId);
  }

  /** Members of the project with their roles (project readers). */
  @Get(':projectId/members')
  async listMembers(@CurrentPrincipal() caller: Principal, @Param('projectId', ParseIdPipe) projectId: string): Promise<ListMembersResponse> {
    return { items: await this.projects.listMembers(caller, projectId) };
  }

  /** Add a user or service account (by email) with a role (owners). */
  @Post(':projectId/members')
  addMember(@CurrentPrincipal() caller: Principal, @Param('projectId', ParseIdPipe) projectId: string, @Body() body: AddMemberDto): Promise<MemberDto> {
    return this.projects.addMember(caller, projectId, body.subject, body.role);
  }

  /** Change a member's role (owners); a project keeps at least one owner. */
  @Patch(':projectId/members/:subject')
  changeMember(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('subject') subject: string,
    @Body() body: UpdateMemberDto,
  ): Promise<MemberDto> {
    return this.projects.changeMember(caller, projectId, subject, body.role) as Promise<MemberDto>;
  }

  /** Remove a member (owners); a project keeps at least one owner. */
  @Delete(':projectId/members/:subject')
  @HttpCode(204)
  async removeMember(
    @CurrentPrincipal() caller: Principal,
    @Param('projectId', ParseIdPipe) projectId: string,
    @Param('subject') subject: string,
  ): Promise<void> {
    await this.projects.changeMember(caller, projectId, subject, null);
  }
}
