import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Makes the folder `file` goes in, with its parents. Throws an Error whose message names the file
 * in the way (`cannot create ./x/db: ./x is a file`), where mkdir would name only the folder.
 */
export function makeFolderFor(file: string): void {
  const folder = dirname(file);
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    throw new Error(`cannot create ${file}: ${whyNoFolder(folder, err as NodeJS.ErrnoException)}`);
  }
}

function whyNoFolder(folder: string, err: NodeJS.ErrnoException): string {
  if (err.code === 'EACCES') return `permission denied in ${err.path ?? folder}`;
  if (err.code === 'EEXIST' || err.code === 'ENOTDIR') {
    for (let p = folder; ; p = dirname(p)) {
      if (existsSync(p)) return statSync(p).isDirectory() ? err.message : `${p} is a file`;
      if (dirname(p) === p) break;
    }
  }
  return err.message;
}
