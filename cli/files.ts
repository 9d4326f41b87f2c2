import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeModel, GlassboxError, type Backend, type Random } from '../src/index.js';

/** Reads a file, turning "no such file" and friends into a one-line GlassboxError. */
export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const reason = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a directory' : (error as Error).message;
    throw new GlassboxError(path, '', `cannot read: ${reason}`);
  }
}

export function readModel(path: string, backend?: Backend, random?: Random): ReturnType<typeof decodeModel> {
  return decodeModel(readBytes(path), { source: path, backend, random });
}

/**
 * Writes `bytes` to `path` so that a reader sees the old file or the whole new one, never half:
 * write a temporary file beside it, flush it to disk, then rename it over the target (rename is
 * atomic within a directory). The parent directory is created if missing.
 */
export function writeFileAtomic(path: string, bytes: Uint8Array): void {
  const directory = dirname(path);
  try {
    mkdirSync(directory, { recursive: true });
  } catch (error) {
    throw new GlassboxError(path, '', `cannot create the folder ${directory}: ${(error as Error).message}`);
  }
  const temporary = join(directory, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
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
    rmSync(temporary, { force: true });
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
