// Maps a host path ("/etc/motd") to the real path under `--root`, refusing anything that would
// escape the root. Every adapter that touches the file system goes through here.
import path from 'node:path';
import { HostError } from '../errors.js';

export class RootPath {
  readonly root: string;

  constructor(root = '/') {
    this.root = path.resolve(root);
  }

  get isHostRoot(): boolean {
    return this.root === '/';
  }

  /** Real path of an absolute host path. Throws on relative paths and `..` escapes. */
  real(hostPath: string): string {
    if (!path.isAbsolute(hostPath)) throw new HostError(`path must be absolute: ${hostPath}`);
    const normal = path.posix.normalize(hostPath);
    if (normal.split('/').includes('..')) throw new HostError(`path escapes the root: ${hostPath}`);
    return this.isHostRoot ? normal : path.join(this.root, normal);
  }

  /** Host path of a real path under the root (inverse of `real`). */
  host(realPath: string): string {
    const abs = path.resolve(realPath);
    if (this.isHostRoot) return abs;
    const rel = path.relative(this.root, abs);
    if (rel.startsWith('..') || path.isAbsolute(rel)) throw new HostError(`outside the root: ${realPath}`);
    return `/${rel}`;
  }
}
