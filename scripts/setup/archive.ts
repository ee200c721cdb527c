// The image archive: every image the workshop uses in one file, so a room without good
// Wi-Fi never pulls. The instructor writes it once, online (`npm run images -- --save
// FILE`); each learner loads it (`npm run setup -- --images-from FILE`).
//
// It is `docker save` of all the images, gzip-compressed by Node itself: every laptop can
// read gzip without installing anything (zstd would be smaller and faster but needs a tool
// many learners lack, and Node 20 cannot decompress it). Loading decompresses here and
// streams into `docker load`, so no engine feature is assumed.
//
// Images are saved under a name with a tag and no digest: `docker load` restores tags but
// not the registry digests an image was pulled by (kind's node image is pinned by digest).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import zlib from 'node:zlib';
import { EnvironmentError, UsageError } from '../../verify/core/errors.ts';
import { displayPath } from '../../verify/core/paths.ts';

/** `kindest/node:v1.36.1@sha256:…` → `kindest/node:v1.36.1`: the name an archive can keep. */
export function withoutDigest(image: string): string {
  return image.replace(/@sha256:[0-9a-f]+$/, '');
}

/** The names the archive holds: each image under its tag, without the digest `docker load` would drop. */
export function archiveNames(images: string[]): string[] {
  return [...new Set(images.map(withoutDigest))];
}

/** The images `docker load` reports: `Loaded image: postgres:17-alpine` (one per tag). */
export function parseLoaded(output: string): string[] {
  return [...output.matchAll(/^Loaded image: (\S+)\s*$/gm)].map((m) => m[1]!);
}

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

interface Streamed {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run `docker args…`, feeding or draining its stdin/stdout through `io`; collects what it prints. */
async function docker(args: string[], io: (child: ReturnType<typeof spawn>) => Promise<void>, capture: boolean): Promise<Streamed> {
  // Inherits the environment: DOCKER_HOST and DOCKER_CONTEXT pick the engine, as for every docker call of setup.
  const child = spawn('docker', args, { stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr += c));
  if (capture) child.stdout!.on('data', (c: Buffer) => (stdout += c));
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (err) => {
      stderr += err.message;
      resolve(null);
    });
    child.on('close', (code) => resolve(code));
  });
  const streamed = io(child).catch((err: Error) => {
    stderr += `\n${err.message}`;
    child.kill();
  });
  const [code] = await Promise.all([exited, streamed]);
  return { code, stdout, stderr };
}

/** `docker save` of `images` into one gzip file; written next to `file` first, so a failure never leaves half an archive under its name. Returns its size in bytes. */
export async function saveArchive(images: string[], file: string): Promise<number> {
  const partial = `${file}.partial`;
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const r = await docker(
    ['save', ...images],
    async (child) => {
      child.stdin!.end();
      await pipeline(child.stdout!, zlib.createGzip({ level: 1 }), fs.createWriteStream(partial));
    },
    false,
  );
  if (r.code !== 0) {
    fs.rmSync(partial, { force: true });
    throw new EnvironmentError(
      `docker save failed: ${lastLine(r.stderr)}`,
      `docker save ${images[0]} > /dev/null   (see the whole error), then npm run images -- --save ${file}`,
    );
  }
  fs.renameSync(partial, file);
  return fs.statSync(file).size;
}

/** `docker load` of an archive (gzip or plain tar); returns the image names it loaded. */
export async function loadArchive(file: string): Promise<string[]> {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
    throw new UsageError(`--images-from ${file}: there is no such file. It is the archive your instructor made with npm run images -- --save FILE.`);
  }
  const head = Buffer.alloc(2);
  const fd = fs.openSync(file, 'r');
  fs.readSync(fd, head, 0, 2, 0);
  fs.closeSync(fd);
  const gzipped = head.equals(GZIP_MAGIC);
  const r = await docker(
    ['load'],
    async (child) => {
      const source = fs.createReadStream(file);
      await (gzipped ? pipeline(source, zlib.createGunzip(), child.stdin!) : pipeline(source, child.stdin!));
    },
    true,
  );
  const loaded = parseLoaded(r.stdout);
  if (r.code !== 0 || loaded.length === 0) {
    throw new EnvironmentError(
      `docker load could not read ${displayPath(file)}: ${lastLine(r.stderr) || 'it holds no image'}. It should be the file npm run images -- --save wrote (gzip of docker save).`,
      `ls -l ${displayPath(file)}   (a partial copy is smaller than the instructor's), or npm run setup online`,
    );
  }
  return loaded;
}

function lastLine(text: string): string {
  return text.trim().split('\n').filter(Boolean).pop()?.trim() ?? '';
}
