// The chat page's files, read once at start from the package's page/ directory into a fixed
// table: a request's path is only ever a key into that table, so no path from a request reaches
// the file system (no "..", no encoded separators, no symlinks followed at request time). Files
// of a type not listed below are not served.

import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PageFile {
  readonly type: string;
  readonly body: Buffer;
}

/** Content types by extension: the only files served. */
const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.webmanifest': 'application/manifest+json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** page/ in the package: dist/src/gateway/ is three levels below its root. */
export const PAGE_DIR = fileURLToPath(new URL('../../../page/', import.meta.url));

/** Every servable file under `dir` by its URL path ('/index.html' also as '/'); empty when `dir` does not exist. */
export function loadPage(dir = PAGE_DIR): ReadonlyMap<string, PageFile> {
  const files = new Map<string, PageFile>();
  const walk = (at: string, prefix: string): void => {
    for (const name of readdirSync(at)) {
      if (name.startsWith('.')) continue;
      const path = join(at, name);
      const stat = statSync(path);
      if (stat.isDirectory()) walk(path, `${prefix}${name}/`);
      else if (stat.isFile() && TYPES[extname(name)] !== undefined) files.set(`${prefix}${name}`, { type: TYPES[extname(name)]!, body: readFileSync(path) });
    }
  };
  try {
    walk(dir, '/');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const index = files.get('/index.html');
  if (index) files.set('/', index);
  return files;
}
