import * as fs from 'node:fs';

/**
 * The shell commands of a Markdown section, as a user copies them: each ```bash block of the
 * section (up to the next heading of the same or a higher level), one command per line, lines
 * ending in `\` joined with the next, blank and comment-only lines left out. Comments after a
 * command stay: the shell reads the line as the reader does.
 */
export function sectionCommands(markdownFile: string, heading: string): string[] {
  const lines = fs.readFileSync(markdownFile, 'utf8').split('\n');
  const start = lines.findIndex((line) => line.trim() === heading);
  if (start < 0) throw new Error(`${markdownFile} has no heading "${heading}"`);
  const level = heading.match(/^#+/)![0].length;
  const commands: string[] = [];
  let inBash = false;
  let pending = '';
  for (const line of lines.slice(start + 1)) {
    const headingLevel = line.match(/^(#+)\s/)?.[1].length;
    if (!inBash && headingLevel !== undefined && headingLevel <= level) break;
    if (line.startsWith('```')) {
      inBash = !inBash && /^```(bash|sh|shell)\s*$/.test(line);
      continue;
    }
    if (!inBash) continue;
    pending += line;
    if (/\\\s*$/.test(line)) {
      pending += '\n';
      continue;
    }
    if (pending.trim() && !pending.trim().startsWith('#')) commands.push(pending.trim());
    pending = '';
  }
  if (commands.length === 0) throw new Error(`the section "${heading}" of ${markdownFile} has no bash commands`);
  return commands;
}

/** The command without its trailing `# comment` (for matching; the shell runs it whole), as the shell reads it: a `#` outside quotes after white space. */
export function withoutComment(command: string): string {
  let quote: string | undefined;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"') i++;
    } else if (c === "'" || c === '"') quote = c;
    else if (c === '\\') i++;
    else if (c === '#' && i > 0 && /\s/.test(command[i - 1])) return command.slice(0, i).trim();
  }
  return command.trim();
}
