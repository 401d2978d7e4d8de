import { Command } from 'commander';
import type { metadataV1 } from '@visitsarch/contracts';
import { CliError } from '../cli-error';
import { CliContext } from '../context';
import { collect } from '../options';
import type { Row } from '../output';
import { ageArgument } from './retention';

const SCOPES = ['read', 'write', 'admin'];

/** When a token given `--expires` stops being accepted: an age from now (`30d`, `12h`) or an ISO 8601 date or time. */
export function expiryArgument(value: string, now = Date.now()): Date {
  if (/^\s*\d+(\.\d+)?\s*[a-z]+\s*$/.test(value)) return new Date(now + ageArgument(value, '--expires') * 1000);
  const date = /^\d{4}-\d{2}-\d{2}/.test(value.trim()) ? new Date(value.trim()) : new Date(Number.NaN);
  if (Number.isNaN(date.getTime())) {
    throw new CliError(`--expires must be an age such as 30d or 12h (units s, min, h, d, w) or an ISO 8601 date or time such as 2027-06-30, got ${JSON.stringify(value)}`, 2);
  }
  if (date.getTime() <= now) throw new CliError(`--expires ${value} is not in the future`, 2);
  return date;
}

function scopesArgument(values: string[] | undefined): string[] {
  const scopes = values?.length ? values : ['read'];
  const unknown = scopes.find((scope) => !SCOPES.includes(scope));
  if (unknown !== undefined) throw new CliError(`--scope must be read, write or admin, got ${JSON.stringify(unknown)}`, 2);
  return [...new Set(scopes)];
}

/** Whether a token is accepted now, else why not. */
function stateOf(token: metadataV1.Token, now = Date.now()): string {
  if (token.revokeTime) return 'revoked';
  if (token.expireTime && token.expireTime.getTime() <= now) return 'expired';
  return 'active';
}

const TOKEN_COLUMNS = ['token_id', 'name', 'owner', 'scopes', 'state', 'create_time', 'created_by', 'expire_time', 'revoke_time'];

function tokenRow(token: metadataV1.Token): Row {
  return {
    token_id: token.tokenId,
    name: token.name,
    owner: token.owner,
    scopes: token.scopes.join(','),
    state: stateOf(token),
    create_time: token.createTime?.toISOString() ?? null,
    created_by: token.createdBy,
    expire_time: token.expireTime?.toISOString() ?? null,
    revoke_time: token.revokeTime?.toISOString() ?? null,
  };
}

/** token create|list|revoke: the archive's bearer tokens (TokenService, admin scope). */
export function registerTokenCommands(program: Command, context: CliContext): void {
  const token = program.command('token').description("manage the archive's bearer tokens (needs the admin scope)");

  token
    .command('create')
    .description('create a token and print it; it is shown this once (the archive keeps only its SHA-256)')
    .argument('<name>', 'what the token is for, e.g. prenight-briefing-service (1 to 100 characters)')
    .option('--scope <scope>', 'a scope to grant: read, write (includes read) or admin (includes both); repeatable (default: read)', collect)
    .option('--owner <identity>', 'the identity calls with the token act as (default: yours)')
    .option('--expires <when>', 'when it stops being accepted: an age (30d, 12h; units s, min, h, d, w) or an ISO 8601 date or time (default: never)')
    .action((name: string, options: { scope?: string[]; owner?: string; expires?: string }) =>
      context.run(async () => {
        const request: metadataV1.CreateTokenRequest = {
          name,
          owner: options.owner ?? '',
          scopes: scopesArgument(options.scope),
          expireTime: options.expires === undefined ? undefined : expiryArgument(options.expires),
        };
        const created = await context.tokens.unary('createToken', request, context.deadline());
        const record = created.token!;
        if (context.format() === 'json') {
          process.stdout.write(`${JSON.stringify({ ...tokenRow(record), secret_token: created.secretToken }, null, 2)}\n`);
        } else {
          process.stdout.write(`${created.secretToken}\n`);
        }
        const expiry = record.expireTime ? `, expires ${record.expireTime.toISOString()}` : '';
        process.stderr.write(
          `visitsarch: created token ${record.tokenId} (${record.name}) for ${record.owner}, scopes ${record.scopes.join(',')}${expiry}. ` +
            'This is the only time it is shown: give it to its user, who sets VISITSARCH_TOKEN to it or keeps it in a 0600 file named by VISITSARCH_TOKEN_FILE. ' +
            `Revoke it with \`visitsarch token revoke ${record.tokenId}\`.\n`,
        );
      }),
    );

  token
    .command('list')
    .description('list the tokens, newest first, without their secrets')
    .option('--all', 'also the revoked and expired ones')
    .action((options: { all?: boolean }) =>
      context.run(async () => {
        const rows: Row[] = [];
        let pageToken = '';
        do {
          const page = await context.tokens.unary('listTokens', { pageSize: 1000, pageToken, activeOnly: !options.all }, context.deadline());
          rows.push(...page.tokens.map(tokenRow));
          pageToken = page.nextPageToken;
        } while (pageToken);
        context.print(TOKEN_COLUMNS, rows);
      }),
    );

  token
    .command('revoke')
    .description('revoke a token: calls presenting it are refused from then on (at the gateway within a few seconds)')
    .argument('<token_id>', 'the id of the token (`visitsarch token list`; the part after vsa_ of the token itself)')
    .action((tokenId: string) =>
      context.run(async () => {
        const revoked = (await context.tokens.unary('revokeToken', { tokenId }, context.deadline())).token!;
        process.stdout.write(`revoked ${revoked.tokenId} (${revoked.name}, ${revoked.owner}) at ${revoked.revokeTime?.toISOString() ?? 'an unknown time'}\n`);
      }),
    );
}
