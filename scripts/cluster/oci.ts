/**
 * Writing an OCI image layout as a tar archive without Docker: a ustar/PAX writer for the one layer and for the
 * layout around it, the image config, the manifest and the index. Everything is deterministic (mtime 0, fixed
 * owners and modes as given), so the same inputs give the same digests.
 */
import * as crypto from 'crypto';
import * as fs from 'fs';

/** One entry of a layer: a directory, a regular file (from bytes or from a file on disk) or a symbolic link. */
export type LayerEntry =
  | { readonly type: 'dir'; readonly path: string; readonly mode: number; readonly uid?: number; readonly gid?: number }
  | {
    readonly type: 'file';
    readonly path: string;
    readonly mode: number;
    readonly uid?: number;
    readonly gid?: number;
    /** The file's bytes, or the path of a file on this machine to copy. */
    readonly content: Buffer | { readonly fromFile: string };
    /** Extended attributes (PAX SCHILY.xattr.*), e.g. security.capability. */
    readonly xattrs?: Readonly<Record<string, Buffer>>;
  }
  | { readonly type: 'symlink'; readonly path: string; readonly target: string };

const BLOCK = 512;
const ZERO_BLOCK = Buffer.alloc(BLOCK);

function octal(value: number, width: number): string {
  return value.toString(8).padStart(width - 1, '0') + '\0';
}

function header(opts: {
  name: string; mode: number; uid: number; gid: number; size: number; type: string; linkname?: string;
}): Buffer {
  const buf = Buffer.alloc(BLOCK);
  const name = Buffer.from(opts.name, 'utf8');
  if (name.length > 100) throw new Error(`tar: name longer than 100 bytes needs a PAX path: ${opts.name}`);
  name.copy(buf, 0);
  buf.write(octal(opts.mode & 0o7777, 8), 100, 'ascii');
  buf.write(octal(opts.uid, 8), 108, 'ascii');
  buf.write(octal(opts.gid, 8), 116, 'ascii');
  buf.write(octal(opts.size, 12), 124, 'ascii');
  buf.write(octal(0, 12), 136, 'ascii');
  buf.write('        ', 148, 'ascii');
  buf.write(opts.type, 156, 'ascii');
  if (opts.linkname) Buffer.from(opts.linkname, 'utf8').copy(buf, 157);
  buf.write('ustar\0', 257, 'ascii');
  buf.write('00', 263, 'ascii');
  buf.write(opts.uid === 0 ? 'root' : '', 265, 'ascii');
  buf.write(opts.gid === 0 ? 'root' : '', 297, 'ascii');
  let sum = 0;
  for (const byte of buf) sum += byte;
  buf.write(sum.toString(8).padStart(6, '0') + '\0 ', 148, 'ascii');
  return buf;
}

function paxRecords(records: ReadonlyArray<[string, Buffer]>): Buffer {
  const parts = records.map(([key, value]) => {
    const body = Buffer.concat([Buffer.from(` ${key}=`, 'utf8'), value, Buffer.from('\n')]);
    // The length prefix counts itself.
    let length = body.length + 1;
    while (String(length).length + body.length !== length) length = String(length).length + body.length;
    return Buffer.concat([Buffer.from(String(length), 'ascii'), body]);
  });
  return Buffer.concat(parts);
}

function padding(size: number): Buffer {
  const rest = size % BLOCK;
  return rest === 0 ? Buffer.alloc(0) : Buffer.alloc(BLOCK - rest);
}

/** Streams a tar archive into a file while computing its sha256 and size. */
export class TarWriter {
  private readonly fd: number;
  private readonly hash = crypto.createHash('sha256');
  private size = 0;

  constructor(file: string) {
    this.fd = fs.openSync(file, 'w');
  }

  private write(buf: Buffer): void {
    fs.writeSync(this.fd, buf);
    this.hash.update(buf);
    this.size += buf.length;
  }

  /** Adds one entry; paths are written relative ("etc/passwd"), directories with a trailing slash. */
  add(entry: LayerEntry): void {
    const rel = entry.path.replace(/^\/+/, '');
    const name = entry.type === 'dir' ? `${rel.replace(/\/+$/, '')}/` : rel;
    const uid = entry.type === 'symlink' ? 0 : entry.uid ?? 0;
    const gid = entry.type === 'symlink' ? 0 : entry.gid ?? 0;
    const xattrs = entry.type === 'file' ? Object.entries(entry.xattrs ?? {}) : [];
    if (xattrs.length > 0) {
      const pax = paxRecords(xattrs.map(([key, value]) => [`SCHILY.xattr.${key}`, value]));
      this.write(header({ name: `PaxHeaders/${name}`.slice(0, 100), mode: 0o644, uid: 0, gid: 0, size: pax.length, type: 'x' }));
      this.write(pax);
      this.write(padding(pax.length));
    }
    if (entry.type === 'dir') {
      this.write(header({ name, mode: entry.mode, uid, gid, size: 0, type: '5' }));
    } else if (entry.type === 'symlink') {
      this.write(header({ name, mode: 0o777, uid, gid, size: 0, type: '2', linkname: entry.target }));
    } else if (Buffer.isBuffer(entry.content)) {
      this.write(header({ name, mode: entry.mode, uid, gid, size: entry.content.length, type: '0' }));
      this.write(entry.content);
      this.write(padding(entry.content.length));
    } else {
      const source = entry.content.fromFile;
      const size = fs.statSync(source).size;
      this.write(header({ name, mode: entry.mode, uid, gid, size, type: '0' }));
      const input = fs.openSync(source, 'r');
      try {
        const chunk = Buffer.alloc(1 << 20);
        let copied = 0;
        for (;;) {
          const n = fs.readSync(input, chunk, 0, chunk.length, null);
          if (n === 0) break;
          this.write(chunk.subarray(0, n));
          copied += n;
        }
        if (copied !== size) throw new Error(`tar: ${source} changed while being read`);
      } finally {
        fs.closeSync(input);
      }
      this.write(padding(size));
    }
  }

  /** Writes the two closing zero blocks; returns the archive's digest ("sha256:<hex>") and size. */
  close(): { digest: string; size: number } {
    this.write(ZERO_BLOCK);
    this.write(ZERO_BLOCK);
    fs.closeSync(this.fd);
    return { digest: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }
}

/** One entry read back from a tar archive (for tests and checks). */
export interface TarEntry {
  readonly name: string;
  readonly type: 'file' | 'dir' | 'symlink' | 'other';
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly linkname: string;
  readonly content: Buffer;
  readonly pax: Readonly<Record<string, Buffer>>;
}

/** Reads every entry of an uncompressed tar archive held in memory (ustar and PAX headers). */
export function readTar(data: Buffer): TarEntry[] {
  const entries: TarEntry[] = [];
  let offset = 0;
  let pax: Record<string, Buffer> = {};
  const str = (start: number, len: number) => data.subarray(start, start + len).toString('utf8').replace(/\0.*$/s, '');
  const num = (start: number, len: number) => parseInt(str(start, len).trim() || '0', 8);
  while (offset + BLOCK <= data.length) {
    const start = offset;
    const block = data.subarray(start, start + BLOCK);
    if (block.every((byte) => byte === 0)) break;
    const size = num(start + 124, 12);
    const typeflag = String.fromCharCode(block[156] || 0x30);
    const body = data.subarray(start + BLOCK, start + BLOCK + size);
    offset = start + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (typeflag === 'x') {
      let at = 0;
      while (at < body.length) {
        const space = body.indexOf(0x20, at);
        const length = parseInt(body.subarray(at, space).toString('ascii'), 10);
        const record = body.subarray(space + 1, at + length - 1);
        const eq = record.indexOf(0x3d);
        pax[record.subarray(0, eq).toString('utf8')] = Buffer.from(record.subarray(eq + 1));
        at += length;
      }
      continue;
    }
    const prefix = str(start + 345, 155);
    const rawName = str(start, 100);
    entries.push({
      name: pax.path?.toString('utf8') ?? (prefix ? `${prefix}/${rawName}` : rawName),
      type: typeflag === '0' ? 'file' : typeflag === '5' ? 'dir' : typeflag === '2' ? 'symlink' : 'other',
      mode: num(start + 100, 8),
      uid: num(start + 108, 8),
      gid: num(start + 116, 8),
      linkname: str(start + 157, 100),
      content: Buffer.from(body),
      pax,
    });
    pax = {};
  }
  return entries;
}

/** sha256 of a file, as "sha256:<hex>". */
export function fileDigest(file: string): string {
  const hash = crypto.createHash('sha256');
  const fd = fs.openSync(file, 'r');
  try {
    const chunk = Buffer.alloc(1 << 20);
    for (;;) {
      const n = fs.readSync(fd, chunk, 0, chunk.length, null);
      if (n === 0) break;
      hash.update(chunk.subarray(0, n));
    }
  } finally {
    fs.closeSync(fd);
  }
  return `sha256:${hash.digest('hex')}`;
}

/** sha256 of bytes, as "sha256:<hex>". */
export function bytesDigest(bytes: Buffer): string {
  return `sha256:${crypto.createHash('sha256').update(bytes).digest('hex')}`;
}

export const MEDIA_TYPES = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
} as const;
