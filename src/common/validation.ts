import { ValidationError } from 'class-validator';
import { AppError } from './app-error';

/** One readable 400 naming every bad field and its rule in words, e.g. `name may contain letters, digits, spaces, "_" and "-"`. */
export function validationExceptionFactory(errors: ValidationError[]): AppError {
  const messages = flatten(errors);
  return AppError.badRequest(messages.length ? messages.join('; ') : 'request body is not valid', 'invalid');
}

function flatten(errors: ValidationError[], parent = ''): string[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => (message.startsWith(error.property) ? message.replace(error.property, path) : `${path}: ${message}`));
    return [...own, ...flatten(error.children ?? [], path)];
  });
}
