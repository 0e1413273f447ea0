/**
 * What an S3 error means for pgvault: retry it, treat it as "not found", or tell the operator.
 * Works on what the AWS SDK v3 throws: service errors carry `name` (the S3 error code),
 * `$metadata.httpStatusCode` and a non-enumerable `$response` with headers; network errors carry
 * a Node `code` (ECONNREFUSED…) or the name TimeoutError.
 */
import { NotFoundError, StoreUnavailableError, type PgvaultError } from '../errors.js';
import { redact } from '../redact.js';
import { parseRetryAfter, RetriesExhausted, type RetryDecision } from './retry.js';

export interface S3ErrorInfo {
  status: number | undefined;
  /** S3 error code (NoSuchKey, SlowDown…) or Node error code (ECONNRESET…). */
  code: string;
  retryAfterMs: number | undefined;
  /** A transport problem: the request may not have reached the server, or the answer was lost. */
  network: boolean;
  message: string;
}

const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ENOTFOUND', 'EAI_AGAIN', 'ETIMEDOUT', 'EPIPE', 'ECONNABORTED', 'EHOSTUNREACH',
  'ENETUNREACH', 'ENETDOWN', 'EHOSTDOWN', 'EPROTO', 'ERR_SOCKET_CONNECTION_TIMEOUT', 'ERR_STREAM_PREMATURE_CLOSE',
  'UND_ERR_SOCKET', 'UND_ERR_CONNECT_TIMEOUT',
]);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout', 'RequestTimeoutException', 'TruncatedBodyError']);
const RETRYABLE_CODES = new Set(['SlowDown', 'InternalError', 'ServiceUnavailable', 'RequestTimeout', 'Throttling',
  'ThrottlingException', 'RequestTimeTooSkewed', 'TooManyRequests']);
const CREDENTIAL_CODES = new Set(['InvalidAccessKeyId', 'SignatureDoesNotMatch', 'AccessDenied', 'InvalidToken',
  'ExpiredToken', 'AuthorizationHeaderMalformed', 'InvalidSecurity', 'Unauthorized', 'Forbidden']);

function prop(o: unknown, key: string): unknown {
  return typeof o === 'object' && o !== null ? (o as Record<string, unknown>)[key] : undefined;
}

/** The error behind a RetriesExhausted wrapper. */
export function rootError(e: unknown): unknown {
  return e instanceof RetriesExhausted ? e.cause : e;
}

export function s3ErrorInfo(e0: unknown): S3ErrorInfo {
  const e = rootError(e0);
  const status = prop(prop(e, '$metadata'), 'httpStatusCode');
  const headers = prop(prop(e, '$response'), 'headers');
  const retryAfterRaw = prop(headers, 'retry-after') ?? prop(headers, 'Retry-After');
  const nodeCode = prop(e, 'code');
  const name = prop(e, 'name');
  const causeCode = prop(prop(e, 'cause'), 'code');
  const code = typeof nodeCode === 'string' ? nodeCode
    : typeof causeCode === 'string' && NETWORK_CODES.has(causeCode) ? causeCode
      : typeof name === 'string' ? name : 'UnknownError';
  const message = e instanceof Error ? e.message : String(e);
  const statusNum = typeof status === 'number' ? status : undefined;
  const network = statusNum === undefined && (NETWORK_CODES.has(code) || NETWORK_NAMES.has(code) ||
    /socket hang up|ECONNRESET|ECONNREFUSED|timed? ?out/i.test(message));
  return {
    status: statusNum,
    code,
    retryAfterMs: typeof retryAfterRaw === 'string' ? parseRetryAfter(retryAfterRaw) : undefined,
    network,
    message,
  };
}

/** Retry 408, 429, 5xx, throttling codes and network failures. */
export function classifyS3Error(e: unknown): RetryDecision {
  const i = s3ErrorInfo(e);
  const retry = i.network || RETRYABLE_CODES.has(i.code) ||
    (i.status !== undefined && (i.status === 408 || i.status === 429 || (i.status >= 500 && i.status !== 501)));
  return i.retryAfterMs === undefined ? { retry } : { retry, retryAfterMs: i.retryAfterMs };
}

export function isNotFound(e: unknown): boolean {
  const i = s3ErrorInfo(e);
  if (i.code === 'NoSuchBucket') return false;
  return i.code === 'NoSuchKey' || i.code === 'NotFound' || i.code === 'NoSuchVersion' || i.status === 404;
}

export function isNoSuchBucket(e: unknown): boolean {
  return s3ErrorInfo(e).code === 'NoSuchBucket';
}

/** The server has no ListObjectVersions (s3rver answers MethodNotAllowed; others NotImplemented). */
export function isUnsupportedOperation(e: unknown): boolean {
  const i = s3ErrorInfo(e);
  return i.code === 'MethodNotAllowed' || i.code === 'NotImplemented' || i.status === 405 || i.status === 501;
}

export interface S3ErrorContext {
  /** "PUT", "GET", "HEAD", "LIST", "LIST-VERSIONS", "DELETE", "DELETE-VERSION". */
  operation: string;
  /** The object key or prefix concerned. */
  key: string;
  endpoint: string;
  bucket: string;
  /** The B2 application-key capability the operation needs, for the hint. */
  capability: string;
}

/** Build the operator-facing error. Not-found is the caller's business and is mapped to NotFoundError here too. */
export function mapS3Error(e0: unknown, ctx: S3ErrorContext): PgvaultError {
  const e = rootError(e0);
  const attempts = e0 instanceof RetriesExhausted ? e0.attempts : 1;
  const i = s3ErrorInfo(e);
  const tried = attempts > 1 ? ` after ${attempts} attempts` : '';
  const serverSays = redact(i.message).slice(0, 300);
  const where = `${ctx.operation} ${ctx.key}`;
  if (i.code === 'NoSuchBucket') {
    return new StoreUnavailableError(
      `bucket "${ctx.bucket}" does not exist at ${ctx.endpoint} (${where}): check the bucket name in --repo ` +
      'and that the endpoint is the bucket\'s region', { cause: e });
  }
  if (i.code === 'RequestTimeTooSkewed') {
    return new StoreUnavailableError(
      `${ctx.endpoint} refused ${where}: this host's clock is too far from the server's (RequestTimeTooSkewed)${tried}; ` +
      'fix the system time (enable NTP / timesyncd) and run again', { cause: e });
  }
  if (isNotFound(e)) return new NotFoundError(`${ctx.key} in bucket ${ctx.bucket} at ${ctx.endpoint}`, { cause: e });
  if (CREDENTIAL_CODES.has(i.code) || i.status === 403 || i.status === 401) {
    return new StoreUnavailableError(
      `credentials rejected by ${ctx.endpoint} for bucket ${ctx.bucket}: ${i.code} on ${where}${serverSays ? ` (${serverSays})` : ''}. ` +
      `Check the key ID and secret (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or B2_ACCOUNT_ID/B2_ACCOUNT_KEY), that the key ` +
      `is allowed on this bucket and prefix, and that it has the "${ctx.capability}" capability`, { cause: e });
  }
  if (i.network) {
    return new StoreUnavailableError(
      `cannot reach ${ctx.endpoint} (${i.code})${tried} during ${where}: check the endpoint in --repo, DNS, ` +
      'the network and any proxy or firewall, then run again', { cause: e });
  }
  if (i.status !== undefined && classifyS3Error(e).retry) {
    return new StoreUnavailableError(
      `${ctx.endpoint} kept failing with HTTP ${i.status} ${i.code}${tried} during ${where}: the service is overloaded or ` +
      'having trouble; run again later (nothing was recorded as done)', { cause: e });
  }
  return new StoreUnavailableError(
    `${ctx.endpoint} refused ${where} in bucket ${ctx.bucket}: HTTP ${i.status ?? '?'} ${i.code}${serverSays ? ` (${serverSays})` : ''}`,
    { cause: e });
}
