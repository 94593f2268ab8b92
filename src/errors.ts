/**
 * The few named errors ttops throws. Each carries a stable `code` (what API clients and
 * scripts match on), an HTTP status for the API, and an exit code for the CLI. The
 * message says what to do next; `cause` keeps the original error for `--verbose`.
 */

/** Exit codes of the `ttops` binary: the one table scripts and CI rely on. */
export const EXIT = {
  ok: 0,
  /** The operation ran and its answer is "no": unhealthy, pending migrations with --check, a failed gate. */
  failure: 1,
  /** Bad flags or arguments. */
  usage: 2,
  /** A service, URL or database could not be reached. */
  unreachable: 3,
  /** Configuration is missing, malformed or too weak. */
  config: 4,
  /** The named thing (license, user, backup) does not exist. */
  notFound: 5,
  /** The current state forbids it (already redeemed, file exists without --force). */
  conflict: 6,
  /** A bug in ttops: please report it with the --verbose output. */
  internal: 70,
  /** Ctrl-C at a prompt (128 + SIGINT, as shells report it): nothing was changed. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

interface ErrorOptions {
  cause?: unknown;
  /** Extra fields shown in JSON output and logs (never secrets). */
  context?: Record<string, unknown>;
}

/** Base of every error ttops throws on purpose. */
export class TtopsError extends Error {
  readonly code: string;
  readonly status: number;
  readonly exitCode: ExitCode;
  readonly context: Record<string, unknown>;

  constructor(code: string, message: string, status: number, exitCode: ExitCode, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = status;
    this.exitCode = exitCode;
    this.context = options.context ?? {};
  }
}

/** Input that can never succeed as given: 400 on the API, exit 2 on the CLI. */
export class InvalidInputError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 400, EXIT.usage, options);
  }
}

/** Configuration that is missing, malformed or weak. */
export class ConfigError extends TtopsError {
  constructor(message: string, options?: ErrorOptions & { code?: string }) {
    super(options?.code ?? 'config_invalid', message, 500, EXIT.config, options);
  }
}

/** Credentials that do not check out: 401. */
export class AuthError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 401, EXIT.failure, options);
  }
}

/** Authenticated but not allowed (expired license, revoked account): 403. */
export class ForbiddenError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 403, EXIT.failure, options);
  }
}

/** The named thing does not exist: 404, exit 5. */
export class NotFoundError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 404, EXIT.notFound, options);
  }
}

/** The current state forbids the operation: 409 (or another 4xx given), exit 6. */
export class ConflictError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions & { status?: number }) {
    super(code, message, options?.status ?? 409, EXIT.conflict, options);
  }
}

/** A dependency (database, URL, provider) is unreachable: 503, exit 3. */
export class UnreachableError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 503, EXIT.unreachable, options);
  }
}

/** The operation ran and failed (unhealthy, pending migrations with --check). */
export class FailureError extends TtopsError {
  constructor(code: string, message: string, options?: ErrorOptions) {
    super(code, message, 500, EXIT.failure, options);
  }
}

/** The operator pressed Ctrl-C at a prompt: exit 130, one line, nothing written. */
export class InterruptedError extends TtopsError {
  constructor(message = 'interrupted — nothing was changed', options?: ErrorOptions) {
    super('interrupted', message, 499, EXIT.interrupted, options);
  }
}

/** Whether a value is one of our errors (works across duplicated module instances). */
export function isTtopsError(error: unknown): error is TtopsError {
  return error instanceof TtopsError;
}
