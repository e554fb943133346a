/**
 * What the command-line tools share when they read what a shop gives them: flags, where one it does not know (a
 * typo) or a value it cannot take stops the command with one line naming the flag, and the usage, not a stack
 * trace; and text files, read as strict UTF-8, where a file in another encoding (a catalog saved as Latin-1) stops
 * the command naming the file and the line, instead of being indexed and trained on as mangled words.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** Node's parseArgs, for `command`: a flag it does not know or a value it cannot take ends the process with `usage`. */
export function parseFlags<T extends ParseArgsConfig>(command: string, usage: string, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code !== 'string' || !code.startsWith('ERR_PARSE_ARGS_')) throw err;
    console.error(`${command}: ${(err as Error).message}\n${usage}`);
    process.exit(2);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A text file's contents; throws, naming the file and its first line that is not UTF-8, when it is in another encoding. */
export function readText(path: string): string {
  const bytes = readFileSync(path);
  try {
    return utf8.decode(bytes);
  } catch {
    let start = 0;
    for (let line = 1; start <= bytes.length; line++) {
      const newline = bytes.indexOf(0x0a, start);
      const end = newline === -1 ? bytes.length : newline;
      try {
        utf8.decode(bytes.subarray(start, end));
      } catch {
        throw new Error(`${path}, line ${line}: not UTF-8 text (save the file as UTF-8)`);
      }
      start = end + 1;
    }
    throw new Error(`${path}: not UTF-8 text (save the file as UTF-8)`);
  }
}

/**
 * Checks, before any work, that `path` (given with `flag`) can be written as a directory or as a file: a file where
 * a directory is expected, or the reverse, failed only when the first write came (train --out: a raw ENOTDIR after
 * the baselines and the kNN tables were built).
 * @throws Error naming the flag, the path and what was expected
 */
export function checkWritable(flag: string, path: string, as: 'directory' | 'file'): void {
  const full = resolve(path);
  if (existsSync(full)) {
    const isDir = statSync(full).isDirectory();
    if (isDir !== (as === 'directory')) throw new Error(`${flag} ${path}: expected a ${as}, got ${isDir ? 'a directory' : 'a file'}`);
    return;
  }
  for (let p = dirname(full); ; p = dirname(p)) {
    if (existsSync(p)) {
      if (!statSync(p).isDirectory()) throw new Error(`${flag} ${path}: expected a ${as}, but ${p} is a file, not a directory`);
      return;
    }
    if (dirname(p) === p) return;
  }
}
