import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Inject, Injectable } from '@nestjs/common';
import { newSecretToken, parseSecretToken } from '@visitsarch/auth';
import type { Logger } from '@visitsarch/logging';
import { METADATA_LOGGER } from '../common/service-logger';
import { ArchiveDatabase } from '../database/archive-database';
import { TokensService } from './tokens.service';

/** The provider of BootstrapTokenSettings. */
export const BOOTSTRAP_TOKEN_SETTINGS = Symbol('BOOTSTRAP_TOKEN_SETTINGS');

export interface BootstrapTokenSettings {
  /** BOOTSTRAP_TOKEN_FILE: where the first admin token is kept; empty: none. */
  file: string;
  /** BOOTSTRAP_TOKEN_OWNER: the identity it acts as. */
  owner: string;
}

/** The name of the bootstrap token in `api_token`, and the creator and audit actor it is recorded with. */
export const BOOTSTRAP_TOKEN_NAME = 'bootstrap';
export const BOOTSTRAP_CREATOR = 'visitsarch-metadata';

/**
 * The archive's first admin token (decision 0020), so that a new archive can be used at once
 * (`npm start` points BOOTSTRAP_TOKEN_FILE at `$VISITSARCH_HOME/token`, where the CLI looks): if the
 * file exists, its token is registered unless its id already is (after a database reset, say); if
 * not, a new admin token is made and written there, 0600 in a directory made 0700. Run once the
 * schema is migrated, before the service takes calls.
 */
@Injectable()
export class BootstrapToken {
  constructor(
    private readonly tokens: TokensService,
    private readonly database: ArchiveDatabase,
    @Inject(BOOTSTRAP_TOKEN_SETTINGS) private readonly settings: BootstrapTokenSettings,
    @Inject(METADATA_LOGGER) private readonly logger: Logger,
  ) {}

  async ensure(): Promise<void> {
    if (!this.settings.file) return;
    const file = path.resolve(this.settings.file);
    const secretToken = readToken(file, this.logger) ?? this.createFile(file);
    const parsed = parseSecretToken(secretToken);
    if (!parsed) throw new Error(`BOOTSTRAP_TOKEN_FILE ${file} does not hold a visitsarch token (vsa_<token_id>_<secret>); remove it to have a new one made`);
    const added = await this.tokens.register({
      tokenId: parsed.tokenId,
      secretSha256: parsed.secretSha256,
      name: BOOTSTRAP_TOKEN_NAME,
      owner: this.settings.owner,
      scopes: ['admin'],
      createdBy: BOOTSTRAP_CREATOR,
    });
    if (added) {
      await this.database.rows(`INSERT INTO audit_log (actor, action, detail) VALUES ($1, 'BootstrapToken', $2::jsonb)`, [
        BOOTSTRAP_CREATOR,
        JSON.stringify({ token_id: parsed.tokenId, owner: this.settings.owner, file }),
      ]);
      this.logger.info({ tokenId: parsed.tokenId, owner: this.settings.owner, file }, `registered the admin token of ${file} (owner ${this.settings.owner})`);
      return;
    }
    // Already known: say so if the archive will refuse it (revoked, expired, or another secret under its id).
    await this.tokens.verify({ secretToken }).catch((error: { details?: string; message?: string }) =>
      this.logger.warn({ tokenId: parsed.tokenId, file }, `the token of BOOTSTRAP_TOKEN_FILE ${file} is not accepted: ${error.details ?? error.message}`),
    );
  }

  /** Makes a new token and writes it to `file` (never replacing one that appeared meanwhile: then that one is used). */
  private createFile(file: string): string {
    const { secretToken, tokenId } = newSecretToken();
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    fs.writeFileSync(temporary, `${secretToken}\n`, { mode: 0o600, flag: 'wx' });
    try {
      fs.linkSync(temporary, file); // atomic, and fails if another process wrote the file first
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      return readToken(file, this.logger)!;
    } finally {
      fs.rmSync(temporary, { force: true });
    }
    this.logger.info({ tokenId, file }, `created an admin token in ${file}`);
    return secretToken;
  }
}

/** The token a file holds (trimmed), or undefined if there is no such file; made 0600 if others could read it. */
function readToken(file: string, logger: Logger): string | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new Error(`cannot read BOOTSTRAP_TOKEN_FILE ${file}: ${(error as Error).message}`);
  }
  // Every user of the machine: a group-readable file is what a mounted Kubernetes Secret is (0440, fsGroup).
  if ((fs.statSync(file).mode & 0o007) !== 0) {
    try {
      fs.chmodSync(file, 0o600);
      logger.warn({ file }, `BOOTSTRAP_TOKEN_FILE ${file} was readable by every user: set to 0600`);
    } catch {
      logger.warn({ file }, `BOOTSTRAP_TOKEN_FILE ${file} is readable by every user; make it 0600 (or 0440)`);
    }
  }
  return text.trim();
}
