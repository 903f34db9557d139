import { ArgumentsHost, Catch, ExceptionFilter, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { sendError } from './error-body';
import { routeMiss } from './route-miss';

/** The one global exception filter: every error leaves in its API family's documented shape. */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    // Nest's handler for requests no route takes throws a NotFoundException; services throw AppError.
    const answer = error instanceof NotFoundException ? routeMiss(request.server, request.method, request.url) : error;
    sendError(answer, request, http.getResponse<FastifyReply>());
  }
}
