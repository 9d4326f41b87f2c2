import {
  closeSync, fstatSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync,
  writeSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeModel, GlassboxError, type Backend, type Floats, type Random } from '../src/index.js';

/** Reads a file, turning "no such file" and friends into a one-line GlassboxError. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    throw readError(path, error);
  }
}

/** A file system error from reading `path` as a one-line GlassboxError. */
function readError(path: string, error: unknown): GlassboxError {
  if (error instanceof GlassboxError) return error;
  const code = (error as NodeJS.ErrnoException).code;
  const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
  return new GlassboxError(path, '', `cannot read: ${reason}`);
}

/**
 * Reads a file into memory from `backend`'s alloc (whole float32s, so up to three bytes more),
 * and returns its bytes there and what alloc lent, which must stay referenced while the bytes
 * are in use (the backend takes its memory back once that is collected); errors as readBytes.
 */
export function readBytesInto(path: string, backend: Backend): { bytes: Uint8Array; memory: Floats } {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const floats = backend.alloc(Math.ceil(size / 4));
    const bytes = new Uint8Array(floats.buffer, floats.byteOffset, size);
    for (let done = 0; done < size;) {
      const read = readSync(fd, bytes, done, size - done, done);
      if (read === 0) throw new GlassboxError(path, '', `cannot read: the file ended after ${done} of ${size} bytes`);
      done += read;
    }
    return { bytes, memory: floats };
  } catch (error) {
    throw readError(path, error);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export function readModel(path: string, backend?: Backend, random?: Random): ReturnType<typeof decodeModel> {
  if (/\.onnx$/i.test(path)) {
    throw new GlassboxError(path, '', `is an ONNX file; import it first: glassbox import ${path}`);
  }
  return decodeModel(readBytes(path), { source: path, backend, random });
}

/** Tells apart two saves to one path within the same millisecond. */
let saves = 0;

/**
 * Writes `bytes` to `path` so that a reader sees the old file or the whole new one, never half:
 * write a temporary file beside it (.NAME.PID.TIME.N.tmp), flush it to disk, then rename it
 * over the target (rename is atomic within a directory). The parent directory is created if
 * missing. A process killed mid-save leaves its temporary file; the next save to the same path
 * removes those whose process is gone.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new GlassboxError(path, '', `cannot create the folder ${directory}: ${(error as Error).message}`);
  }
  removeStaleTemporaries(directory, basename(path));
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${Date.now()}.${saves++}.tmp`);
  let fd: number | undefined;
  try {
    fd = openSync(temporary, 'wx');
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temporary, path);
  } catch (error) {
    if (fd !== undefined) closeSync(fd);
    try {
      rmSync(temporary, { force: true });
    } catch {
      // The name itself may be what failed (too long, a NUL in it): there is nothing to remove.
    }
    throw new GlassboxError(path, '', `cannot write: ${(error as Error).message}`);
  }
  try {
    // Flush the directory entry too, so the rename itself survives a power cut.
    const dirFd = openSync(directory, 'r');
    fsyncSync(dirFd);
    closeSync(dirFd);
  } catch {
    // Some file systems refuse to fsync a directory; the rename has still happened.
  }
}

/**
 * Removes temporary files that an earlier save to `name` left when its process was killed. A
 * file is stale when the process that wrote it no longer runs; one a live process is still
 * writing is left alone. (A file from another machine sharing the folder may look stale; then
 * that save fails cleanly at its rename and the target keeps its old contents.)
 */
function removeStaleTemporaries(directory: string, name: string): void {
  let entries: string[];
  try {
    entries = readdirSync(directory);
  } catch {
    return;
  }
  const prefix = `.${name}.`;
  for (const entry of entries) {
    if (!entry.startsWith(prefix)) continue;
    const match = /^(\d+)\.\d+(\.\d+)?\.tmp$/.exec(entry.slice(prefix.length));
    if (match === null || isRunning(Number(match[1]))) continue;
    try {
      rmSync(join(directory, entry), { force: true });
    } catch {
      // Not ours to remove (another user's folder, say): the save goes ahead all the same.
    }
  }
}

function isRunning(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it runs, as another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
