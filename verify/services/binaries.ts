// Finding locally installed server binaries. Debian keeps Postgres outside PATH
// (/usr/lib/postgresql/<major>/bin), Homebrew under its own prefix.
import fs from 'node:fs';
import path from 'node:path';

const POSTGRES_DIRS = ['/usr/lib/postgresql', '/opt/homebrew/opt', '/usr/local/opt'];

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(dir, name);
    if (dir && fs.existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** The directory holding initdb and postgres, newest major first. */
export function findPostgresBin(): string | undefined {
  const fromPath = onPath('initdb');
  if (fromPath && fs.existsSync(path.join(path.dirname(fromPath), 'postgres'))) return path.dirname(fs.realpathSync(fromPath));
  for (const root of POSTGRES_DIRS) {
    if (!fs.existsSync(root)) continue;
    const versions = fs
      .readdirSync(root)
      .filter((v) => /^(postgresql@)?\d+$/.test(v))
      .sort((a, b) => Number(b.replace(/\D/g, '')) - Number(a.replace(/\D/g, '')));
    for (const v of versions) {
      const bin = path.join(root, v, 'bin');
      if (fs.existsSync(path.join(bin, 'initdb'))) return bin;
    }
  }
  return undefined;
}

export function findRedisServer(): string | undefined {
  return onPath('redis-server') ?? ['/usr/bin/redis-server', '/opt/homebrew/bin/redis-server'].find((p) => fs.existsSync(p));
}
