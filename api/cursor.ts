import { badRequest } from './problem.js';

/** Opaque keyset cursors: the sort key and id of the last item of a page. */
export function encodeCursor(key: Date | number, id: string): string {
  return Buffer.from(JSON.stringify([key instanceof Date ? key.toISOString() : key, id])).toString('base64url');
}

function decode(cursor: string): [unknown, unknown] | undefined {
  try {
    const value = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    return Array.isArray(value) && value.length === 2 ? (value as [unknown, unknown]) : undefined;
  } catch {
    return undefined;
  }
}

const invalid = () =>
  badRequest('The cursor is not one this API gave out; pass nextCursor as it was received.', [
    { field: 'cursor', message: 'is not a valid cursor' },
  ]);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export function decodeDateCursor(cursor: string | undefined): { createdAt: Date; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [at, id] = decode(cursor) ?? [];
  const createdAt = new Date(typeof at === 'string' ? at : NaN);
  const year = createdAt.getUTCFullYear();
  if (typeof id !== 'string' || !UUID.test(id) || Number.isNaN(year) || year < 2000 || year > 9999) throw invalid();
  return { createdAt, id };
}

export function decodeScoreCursor(cursor: string | undefined): { score: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [score, id] = decode(cursor) ?? [];
  const scoreOk = typeof score === 'number' && score >= 0 && score <= 1;
  if (!scoreOk || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return { score, id };
}

/** A cursor over a size ordering (a whole number of at most 12 digits) and an id. */
export function decodeSizeCursor(cursor: string | undefined): { size: number; id: string } | undefined {
  if (cursor === undefined) return undefined;
  const [size, id] = decode(cursor) ?? [];
  const sizeOk = typeof size === 'number' && Number.isInteger(size) && size >= 0 && size < 1e12;
  if (!sizeOk || typeof id !== 'string' || !UUID.test(id)) throw invalid();
  return { size, id };
}
