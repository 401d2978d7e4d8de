import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The fingerprint of the request that recorded each AIP-155 request_id (requestFingerprint in
 * libs/grpc-server): a retry with the same id is answered from the earlier result only if it is
 * the same request; the same id with another fingerprint fails with ALREADY_EXISTS
 * (services/metadata/src/common/idempotency.ts). Nullable: ids recorded before this migration
 * have none and still replay, whatever the retry asks.
 */
export class RequestFingerprint1796605200000 implements MigrationInterface {
  name = 'RequestFingerprint1796605200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE idempotent_requests ADD COLUMN request_fingerprint text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('ALTER TABLE idempotent_requests DROP COLUMN IF EXISTS request_fingerprint');
  }
}
