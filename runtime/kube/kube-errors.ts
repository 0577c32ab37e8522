// API errors translated at the Kubernetes boundary into a few typed errors; nothing upstream
// sees an ApiException. A 409 on an optimistic update is an outcome, not an error: the store
// returns it as such and never throws KubeError('Conflict') for it.
import { ApiException } from '@kubernetes/client-node';

export type KubeErrorCode =
  | 'NotFound'
  | 'Conflict'
  | 'AlreadyExists'
  | 'Invalid'
  | 'Forbidden'
  | 'Unauthorized'
  | 'Throttled'
  | 'Unavailable'
  | 'Gone'
  | 'Unknown';

export class KubeError extends Error {
  override readonly name = 'KubeError';
  constructor(
    readonly code: KubeErrorCode,
    readonly status: number | undefined,
    message: string,
    override readonly cause?: unknown,
  ) {
    super(message);
  }
}

interface StatusBody {
  reason?: string;
  message?: string;
  details?: { causes?: { reason?: string; message?: string }[] };
}

function statusBody(body: unknown): StatusBody {
  if (typeof body === 'string') {
    try {
      return JSON.parse(body) as StatusBody;
    } catch {
      return { message: body };
    }
  }
  return (body && typeof body === 'object' ? body : {});
}

export function toKubeError(err: unknown, what: string): KubeError {
  if (err instanceof KubeError) return err;
  if (err instanceof ApiException) {
    const status = err.code;
    const body = statusBody(err.body);
    const message = `${what}: ${body.message ?? `HTTP ${status}`}`;
    const code: KubeErrorCode =
      status === 404
        ? 'NotFound'
        : status === 409
          ? body.reason === 'AlreadyExists'
            ? 'AlreadyExists'
            : 'Conflict'
          : status === 410
            ? 'Gone'
            : status === 422 || status === 400
            ? 'Invalid'
            : status === 403
              ? 'Forbidden'
              : status === 401
                ? 'Unauthorized'
                : status === 429
                  ? 'Throttled'
                  : status >= 500
                    ? 'Unavailable'
                    : 'Unknown';
    return new KubeError(code, status, message, err);
  }
  const message = err instanceof Error ? err.message : String(err);
  // Connection refused, reset or timed out: the API server is not there right now.
  return new KubeError('Unavailable', undefined, `${what}: ${message}`, err);
}

export const isNotFound = (e: unknown): boolean => e instanceof KubeError && e.code === 'NotFound';
export const isConflict = (e: unknown): boolean => e instanceof KubeError && e.code === 'Conflict';
export const isInvalid = (e: unknown): boolean => e instanceof KubeError && e.code === 'Invalid';
export const isForbidden = (e: unknown): boolean => e instanceof KubeError && e.code === 'Forbidden';

/**
 * What the API server gave as the cause of a refusal, without the call's name: for an eviction
 * refused with 429, the PodDisruptionBudget's own words ("The disruption budget web needs 1
 * healthy pods and has 1 currently") rather than only "Cannot evict pod ...".
 */
export function refusalCause(err: KubeError): string {
  const body = err.cause instanceof ApiException ? statusBody(err.cause.body) : {};
  return body.details?.causes?.find((c) => c.message)?.message ?? body.message ?? err.message;
}
