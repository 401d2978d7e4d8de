import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { Command } from 'commander';
import { CliError } from '../cli-error';
import { CliContext } from '../context';

/** tag, untag, comment, comments, save_env: the small annotations of a sequence. */
export function registerAnnotationCommands(program: Command, context: CliContext): void {
  program
    .command('tag')
    .description('add tags to a visit sequence')
    .argument('<uuid>', 'the visit sequence')
    .argument('<tags...>', 'tags to add')
    .action((uuid: string, tags: string[]) =>
      context.run(async () => {
        await addTags(context, uuid, tags);
      }),
    );

  program
    .command('untag')
    .description('remove tags from a visit sequence')
    .argument('<uuid>', 'the visit sequence')
    .argument('<tags...>', 'tags to remove')
    .option('--allow_missing', 'do not fail for tags the sequence does not have')
    .action((uuid: string, tags: string[], options: { allow_missing?: boolean }) =>
      context.run(async () => {
        await context.metadata.unary('removeTags', { visitseqUuid: uuid, tags, allowMissing: options.allow_missing ?? false }, context.deadline());
      }),
    );

  program
    .command('comment')
    .description('add a comment to a visit sequence')
    .argument('<uuid>', 'the visit sequence')
    .argument('<text>', 'the comment')
    .option('--author <name>', 'who comments; the archive records your identity (the owner of your token) and refuses any other name, so this only confirms it')
    .action((uuid: string, text: string, options: { author?: string }) =>
      context.run(async () => {
        await addComment(context, uuid, text, options.author);
      }),
    );

  program
    .command('comments')
    .description('list the comments on a visit sequence, oldest first')
    .argument('<uuid>', 'the visit sequence')
    .action((uuid: string) =>
      context.run(async () => {
        const rows = [];
        let pageToken = '';
        do {
          const page = await context.metadata.unary('listComments', { visitseqUuid: uuid, pageSize: 1000, pageToken }, context.deadline());
          for (const comment of page.comments) rows.push({ comment_time: comment.commentTime?.toISOString() ?? null, author: comment.author ?? null, comment: comment.comment });
          pageToken = page.nextPageToken;
        } while (pageToken);
        context.print(['comment_time', 'author', 'comment'], rows);
      }),
    );

  program
    .command('save_env')
    .alias('save-env')
    .description('record the conda environment (`conda list --json`), linked to a simulation if a UUID is given; prints its hash')
    .argument('[uuid]', 'the simulation that ran in this environment')
    .option('--file <path>', 'read `conda list --json` output from a file instead of running conda')
    .action((uuid: string | undefined, options: { file?: string }) =>
      context.run(async () => {
        const json = options.file ? readFile(options.file) : condaListJson();
        const response = await context.metadata.unary('recordCondaEnv', { condaEnvJson: json, visitseqUuid: uuid }, context.deadline());
        process.stdout.write(`${Buffer.from(response.condaEnvHash).toString('hex')}\n`);
      }),
    );
}

/** Adds tags to a sequence (tag). */
export async function addTags(context: CliContext, uuid: string, tags: string[]): Promise<void> {
  await context.metadata.unary('addTags', { visitseqUuid: uuid, tags }, context.deadline());
}

/** Adds a comment to a sequence (comment); the author is the token's owner unless confirmed. */
export async function addComment(context: CliContext, uuid: string, text: string, author?: string): Promise<void> {
  await context.metadata.unary('addComment', { visitseqUuid: uuid, comment: text, author: author || undefined, requestId: '' }, context.deadline());
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read ${file}: ${(error as Error).message}`, 2);
  }
}

function condaListJson(): string {
  const result = spawnSync('conda', ['list', '--json'], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  if (result.error) throw new CliError(`cannot run conda (${result.error.message}): activate a conda environment, or give --file with the output of \`conda list --json\``);
  if (result.status !== 0) throw new CliError(`\`conda list --json\` failed: ${result.stderr.trim().split('\n').pop()}`);
  return result.stdout;
}
