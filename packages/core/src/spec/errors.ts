/** Error codes defined by the CNI specification (SPEC.md, "Error"). */
export const ErrorCode = {
  IncompatibleVersion: 1,
  UnsupportedField: 2,
  UnknownContainer: 3,
  InvalidEnvironment: 4,
  IoFailure: 5,
  DecodeFailure: 6,
  InvalidConfig: 7,
  TryAgainLater: 11,
  /** STATUS: the plugin cannot serve ADD requests. */
  NotAvailable: 50,
  /** STATUS: not available, and existing containers may have limited connectivity. */
  NotAvailableLimited: 51,
  /** Conventional catch-all for failures that are not one of the above. */
  Internal: 999,
} as const;

export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode] | number;

/**
 * The one error type a plugin throws on purpose. The dispatcher prints it as
 * the spec's error JSON; any other thrown value becomes code 999.
 */
export class CniError extends Error {
  readonly code: number;
  readonly details: string | undefined;

  constructor(code: number, msg: string, details?: string, options?: { cause?: unknown }) {
    super(msg, options);
    this.name = 'CniError';
    this.code = code;
    this.details = details;
  }

  /** The spec's error object, in the given result version. */
  toJSON(cniVersion: string): { cniVersion: string; code: number; msg: string; details?: string } {
    return {
      cniVersion,
      code: this.code,
      msg: this.message,
      ...(this.details ? { details: this.details } : {}),
    };
  }

  /** Wraps anything thrown into a CniError, keeping a CniError as it is. */
  static from(error: unknown, context?: string): CniError {
    if (error instanceof CniError) return error;
    const message = error instanceof Error ? error.message : String(error);
    return new CniError(ErrorCode.Internal, context ? `${context}: ${message}` : message, undefined, {
      cause: error,
    });
  }
}

/** Shorthand for the most common case: a config that cannot be used. */
export function invalidConfig(msg: string, details?: string): CniError {
  return new CniError(ErrorCode.InvalidConfig, msg, details);
}
