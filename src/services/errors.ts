/**
 * Errors a caller can act on. The GraphQL layer shows their messages as they are (with a code);
 * any other error is masked as "Unexpected error." and logged.
 */
import { GraphQLError } from 'graphql';

export class AppError extends GraphQLError {
  constructor(message: string, code: string) {
    super(message, { extensions: { code } });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string) {
    super(message, 'NOT_FOUND');
  }
}

export class InputError extends AppError {
  constructor(message: string) {
    super(message, 'BAD_USER_INPUT');
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not authorized') {
    super(message, 'FORBIDDEN');
  }
}

export class RateLimitedError extends AppError {
  constructor(message: string, retryAfterMs: number) {
    super(message, 'RATE_LIMITED');
    Object.assign(this.extensions, { retryAfterMs });
  }
}
