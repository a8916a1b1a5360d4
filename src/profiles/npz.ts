// SPDX-License-Identifier: Apache-2.0
// Reads the one-dimensional numeric arrays of a NumPy `.npz` file (what Dynamo's pre-deployment
// profiler saves its raw data as): a ZIP archive (PKWARE APPNOTE.TXT 6.3, §4.3: local headers, the
// central directory, its end record) of `.npy` members (NumPy NEP 1, "A simple file format for NumPy
// arrays": magic, version, a Python-literal header dict, then the data). numpy.savez stores members;
// numpy.savez_compressed deflates them: both are read. ZIP64 and multi-dimensional arrays are refused.
import { inflateRawSync } from 'node:zlib';

type Result<T> = ({ ok: true } & T) | { ok: false; message: string };

const endOfCentralDirectory = 0x06054b50;
const centralHeader = 0x02014b50;
const localHeader = 0x04034b50;

interface Member {
  readonly name: string;
  readonly method: number;
  readonly compressedSize: number;
  readonly localOffset: number;
}

function centralDirectory(bytes: Buffer): Result<{ members: Member[] }> {
  // The end record is 22 bytes plus a comment of at most 65,535 bytes.
  let end = -1;
  for (let at = bytes.length - 22; at >= Math.max(0, bytes.length - 22 - 0xffff); at--) {
    if (bytes.readUInt32LE(at) === endOfCentralDirectory) {
      end = at;
      break;
    }
  }
  if (end < 0) return { ok: false, message: 'is not a ZIP archive (no end of central directory record)' };
  const count = bytes.readUInt16LE(end + 10);
  let at = bytes.readUInt32LE(end + 16);
  if (count === 0xffff || at === 0xffffffff)
    return { ok: false, message: 'is a ZIP64 archive, not supported' };
  const members: Member[] = [];
  for (let i = 0; i < count; i++) {
    if (at + 46 > bytes.length || bytes.readUInt32LE(at) !== centralHeader) {
      return { ok: false, message: `central directory entry ${i + 1} is damaged` };
    }
    const nameLength = bytes.readUInt16LE(at + 28);
    members.push({
      name: bytes.toString('utf8', at + 46, at + 46 + nameLength),
      method: bytes.readUInt16LE(at + 10),
      compressedSize: bytes.readUInt32LE(at + 20),
      localOffset: bytes.readUInt32LE(at + 42),
    });
    at += 46 + nameLength + bytes.readUInt16LE(at + 30) + bytes.readUInt16LE(at + 32);
  }
  return { ok: true, members };
}

function memberBytes(bytes: Buffer, member: Member): Result<{ data: Buffer }> {
  const at = member.localOffset;
  if (at + 30 > bytes.length || bytes.readUInt32LE(at) !== localHeader) {
    return { ok: false, message: `member ${member.name}: local header is damaged` };
  }
  const start = at + 30 + bytes.readUInt16LE(at + 26) + bytes.readUInt16LE(at + 28);
  const raw = bytes.subarray(start, start + member.compressedSize);
  if (member.method === 0) return { ok: true, data: raw };
  if (member.method !== 8) {
    return {
      ok: false,
      message: `member ${member.name}: compression method ${member.method} is not stored or deflate`,
    };
  }
  try {
    return { ok: true, data: inflateRawSync(raw) };
  } catch (error) {
    return { ok: false, message: `member ${member.name}: ${(error as Error).message}` };
  }
}

const readers: Readonly<Record<string, { size: number; read: (b: Buffer, at: number) => number }>> = {
  '<f8': { size: 8, read: (b, at) => b.readDoubleLE(at) },
  '<f4': { size: 4, read: (b, at) => b.readFloatLE(at) },
  '<i8': { size: 8, read: (b, at) => Number(b.readBigInt64LE(at)) },
  '<i4': { size: 4, read: (b, at) => b.readInt32LE(at) },
};

interface NpyHeader {
  readonly descr: string | undefined;
  readonly shape: string | undefined;
  readonly fortranOrder: boolean;
  readonly dataStart: number;
}

function npyHeader(data: Buffer): NpyHeader {
  const major = data.readUInt8(6);
  const headerStart = major === 1 ? 10 : 12;
  const dataStart = headerStart + (major === 1 ? data.readUInt16LE(8) : data.readUInt32LE(8));
  const header = data.toString('latin1', headerStart, dataStart);
  return {
    descr: /'descr':\s*'([^']*)'/.exec(header)?.[1],
    shape: /'shape':\s*\(([^)]*)\)/.exec(header)?.[1],
    fortranOrder: /'fortran_order':\s*True/.test(header),
    dataStart,
  };
}

/** One `.npy` member's values, flattened (a scalar or a 1-D array). */
export function parseNpy(data: Buffer): Result<{ values: number[] }> {
  if (data.length < 10 || data.toString('latin1', 0, 6) !== '\x93NUMPY') {
    return { ok: false, message: 'is not a .npy array (no \\x93NUMPY magic)' };
  }
  const { descr, shape, fortranOrder, dataStart } = npyHeader(data);
  if (fortranOrder) return { ok: false, message: 'is in Fortran order, not supported' };
  const reader = descr === undefined ? undefined : readers[descr];
  if (reader === undefined) {
    return {
      ok: false,
      message: `has dtype ${descr ?? '?'}; expected one of ${Object.keys(readers).join(', ')}`,
    };
  }
  const dims = (shape ?? '')
    .split(',')
    .map((d) => d.trim())
    .filter((d) => d !== '');
  if (shape === undefined || dims.length > 1) {
    return { ok: false, message: `has shape (${shape ?? '?'}); expected one dimension` };
  }
  const length = dims.length === 0 ? 1 : Number(dims[0]);
  if (dataStart + length * reader.size > data.length)
    return { ok: false, message: 'is shorter than its shape says' };
  return {
    ok: true,
    values: Array.from({ length }, (_, i) => reader.read(data, dataStart + i * reader.size)),
  };
}

/** Every `NAME.npy` member of an `.npz` archive, by NAME. */
export function readNpz(bytes: Buffer): Result<{ arrays: Map<string, number[]> }> {
  const directory = centralDirectory(bytes);
  if (!directory.ok) return directory;
  const arrays = new Map<string, number[]>();
  for (const member of directory.members) {
    if (!member.name.endsWith('.npy')) continue;
    const data = memberBytes(bytes, member);
    if (!data.ok) return data;
    const parsed = parseNpy(data.data);
    if (!parsed.ok) return { ok: false, message: `member ${member.name} ${parsed.message}` };
    arrays.set(member.name.slice(0, -'.npy'.length), parsed.values);
  }
  return { ok: true, arrays };
}
