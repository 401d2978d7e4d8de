import { Metadata, status } from '@grpc/grpc-js';
import { RpcException } from '@nestjs/microservices';
import { googleRpc } from '@visitsarch/contracts';

/**
 * The longest error message (and field-violation description, resource name, ErrorInfo value) a
 * service sends. Messages quote at most a short prefix of what was sent (libs/validation's
 * `quote`); this is the backstop: the message travels twice in the trailers (grpc-message and the
 * details), which must stay far below the peers' header-size limits, or the reply is lost.
 */
export const MAX_ERROR_MESSAGE_CHARS = 1024;

/** `text` cut to MAX_ERROR_MESSAGE_CHARS (or `max`), saying how long it was. */
export function boundMessage(text: string, max = MAX_ERROR_MESSAGE_CHARS): string {
  return text.length <= max ? text : `${text.slice(0, max)}… (${text.length} characters)`;
}

/** The `domain` of every ErrorInfo we send. */
export const ERROR_DOMAIN = 'visitsarch.lsst.org';

export interface ErrorDetails {
  /** UPPER_SNAKE_CASE machine-readable reason, e.g. `VISIT_SEQUENCE_NOT_FOUND`. */
  reason?: string;
  /** Extra key/value facts for ErrorInfo.metadata. */
  metadata?: Record<string, string>;
  /** For INVALID_ARGUMENT: which request fields are wrong and why. */
  fieldViolations?: { field: string; description: string }[];
  /** For NOT_FOUND / ALREADY_EXISTS: which resource. */
  resource?: { type: string; name: string };
}

/**
 * A gRPC error with a person-readable message and a `google.rpc.Status` in the
 * `grpc-status-details-bin` trailer (ErrorInfo, BadRequest, ResourceInfo details), per AIP-193.
 */
export class GrpcError extends RpcException {
  constructor(
    readonly code: status,
    message: string,
    readonly details: ErrorDetails = {},
  ) {
    message = boundMessage(message);
    super({ code, message, details: message, metadata: statusMetadata(code, message, details) });
  }
}

export const invalidArgument = (message: string, field?: string, reason = 'INVALID_ARGUMENT') =>
  new GrpcError(status.INVALID_ARGUMENT, message, {
    reason,
    fieldViolations: field ? [{ field, description: message }] : undefined,
  });

export const notFound = (type: string, name: string, message = `${type} ${name} not found`) =>
  new GrpcError(status.NOT_FOUND, message, { reason: `${upperSnake(type)}_NOT_FOUND`, resource: { type, name } });

export const alreadyExists = (type: string, name: string, message: string) =>
  new GrpcError(status.ALREADY_EXISTS, message, { reason: `${upperSnake(type)}_ALREADY_EXISTS`, resource: { type, name } });

export const failedPrecondition = (message: string, reason = 'FAILED_PRECONDITION') =>
  new GrpcError(status.FAILED_PRECONDITION, message, { reason });

export const unavailable = (message: string, reason = 'UNAVAILABLE') => new GrpcError(status.UNAVAILABLE, message, { reason });

export const dataLoss = (message: string, reason = 'CHECKSUM_MISMATCH') => new GrpcError(status.DATA_LOSS, message, { reason });

function upperSnake(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1_$2').replace(/[^A-Za-z0-9]+/g, '_').toUpperCase();
}

export function statusMetadata(code: status, message: string, details: ErrorDetails): Metadata {
  message = boundMessage(message);
  details = boundDetails(details);
  const anys: googleRpc.Any[] = [
    pack('google.rpc.ErrorInfo', googleRpc.ErrorInfo.encode({ reason: details.reason ?? status[code], domain: ERROR_DOMAIN, metadata: details.metadata ?? {} }).finish()),
  ];
  if (details.fieldViolations?.length) {
    anys.push(pack('google.rpc.BadRequest', googleRpc.BadRequest.encode({ fieldViolations: details.fieldViolations }).finish()));
  }
  if (details.resource) {
    anys.push(
      pack(
        'google.rpc.ResourceInfo',
        googleRpc.ResourceInfo.encode({ resourceType: details.resource.type, resourceName: details.resource.name, owner: '', description: message }).finish(),
      ),
    );
  }
  const metadata = new Metadata();
  metadata.set('grpc-status-details-bin', Buffer.from(googleRpc.Status.encode({ code, message, details: anys }).finish()));
  return metadata;
}

function boundDetails(details: ErrorDetails): ErrorDetails {
  const bound = (text: string) => boundMessage(text, 256);
  return {
    reason: details.reason === undefined ? undefined : bound(details.reason),
    metadata: details.metadata && Object.fromEntries(Object.entries(details.metadata).slice(0, 20).map(([key, value]) => [bound(key), bound(value)])),
    fieldViolations: details.fieldViolations?.slice(0, 20).map((violation) => ({ field: bound(violation.field), description: boundMessage(violation.description) })),
    resource: details.resource && { type: bound(details.resource.type), name: bound(details.resource.name) },
  };
}

function pack(typeName: string, value: Uint8Array): googleRpc.Any {
  return { typeUrl: `type.googleapis.com/${typeName}`, value };
}

/** Decodes the rich status details of an error received from another service, if it has them. */
export function decodeStatusDetails(metadata: Metadata | undefined): googleRpc.Status | undefined {
  const raw = metadata?.get('grpc-status-details-bin')[0];
  if (!raw || typeof raw === 'string') return undefined;
  return googleRpc.Status.decode(raw);
}

/** The ErrorInfo reason of an error received from another service, if its status details hold one. */
export function errorReason(error: unknown): string | undefined {
  const metadata = (error as { metadata?: unknown } | undefined)?.metadata;
  if (!(metadata instanceof Metadata)) return undefined;
  const info = decodeStatusDetails(metadata)?.details.find((any) => any.typeUrl.endsWith('google.rpc.ErrorInfo'));
  return info ? googleRpc.ErrorInfo.decode(info.value).reason : undefined;
}
