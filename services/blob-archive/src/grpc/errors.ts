import { status } from '@grpc/grpc-js';
import { alreadyExists, dataLoss, GrpcError, invalidArgument, notFound, unavailable, unreachableCause } from '@visitsarch/grpc-server';
import {
  ChecksumMismatchError,
  InvalidLocationError,
  ObjectExistsError,
  ObjectNotFoundError,
  OutsideArchiveError,
  StorageAccessDeniedError,
  StorageUnavailableError,
} from '@visitsarch/storage';
import { InvalidIpcStreamError } from '@visitsarch/arrow-ipc';
import { NoNightColumnError } from '@visitsarch/day-obs';
import { UnsupportedTableError } from '../tables/table-spool';

/**
 * Runs `operation`, turning storage failures into the gRPC errors the contract names. Anything
 * else passes through unchanged (GrpcErrors as they are; defects become INTERNAL in the filter).
 */
export async function withGrpcErrors<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    throw toGrpcError(error);
  }
}

/**
 * `items`, with what they throw turned into the contract's gRPC errors like withGrpcErrors: for
 * the requests and responses of streaming calls.
 */
export async function* withGrpcErrorsEach<T>(items: AsyncIterable<T>): AsyncGenerator<T> {
  try {
    yield* items;
  } catch (error) {
    throw toGrpcError(error);
  }
}

export function toGrpcError(error: unknown): unknown {
  if (error instanceof GrpcError) return error;
  if (error instanceof ObjectNotFoundError) return notFound('Object', error.url, error.message);
  if (error instanceof ObjectExistsError) return alreadyExists('Object', error.url, error.message);
  if (error instanceof ChecksumMismatchError) return dataLoss(error.message);
  if (error instanceof InvalidLocationError) return invalidArgument(error.message, error.field);
  if (error instanceof OutsideArchiveError) return new GrpcError(status.PERMISSION_DENIED, error.message, { reason: 'OUTSIDE_ARCHIVE' });
  if (error instanceof StorageAccessDeniedError) return new GrpcError(status.PERMISSION_DENIED, error.message, { reason: 'STORAGE_ACCESS_DENIED' });
  if (error instanceof StorageUnavailableError) return unavailable(error.message, 'STORAGE_UNAVAILABLE');
  if (error instanceof InvalidIpcStreamError) return invalidArgument(error.message, 'chunk', 'INVALID_ARROW_STREAM');
  if (error instanceof UnsupportedTableError) return invalidArgument(error.message, 'chunk', 'UNSUPPORTED_COLUMN_TYPE');
  if (error instanceof NoNightColumnError) return invalidArgument(error.message, 'chunk', 'UNSUPPORTED_DAY_OBS_COLUMN');
  const unreachable = unreachableCause(error);
  if (unreachable) return unavailable(`the archive storage cannot be reached (${unreachable}); retry later`, 'STORAGE_UNAVAILABLE');
  return error;
}
