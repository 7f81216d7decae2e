// The fake S3 behind the signed URLs of resources.mjs: parts and objects on disk (a temp
// directory: `S3_FAKE_DIR`, which the Rust harness creates and removes, or one of our own, removed
// at exit), ranged reads across parts, scripted faults, and counters.
// NEVER use it for anything but local tests.
//
// Faults (`POST /__test/s3-faults`, a JSON array replacing the script; each entry fires `times`
// times, default 1):
//
// - `{"op": "put", "part": n, "kind": "status", "status": 500, "times": 2}`: part n's PUT answers
//   that status (an S3 XML error `InternalError`) without using the URL;
// - `{"op": "put", "part": n, "kind": "expire"}`: every signed upload URL of the upload expires
//   now, and this PUT gets S3's `403 AccessDenied` ("Request has expired");
// - `{"op": "put", "part": n, "kind": "drop"}`: the connection is dropped mid-body (the URL is
//   used, as a real upload that started);
// - `{"op": "put", "part": n, "kind": "slow", "ms": 800}`: the answer waits that long;
// - the same with `"op": "get"` and `"start": <first byte of the range>` for ranged downloads
//   (`drop` sends half the range, then drops the connection).
//
// Counters (`GET /__test/s3-stats`): `{"puts": {"<part>": n}, "gets": {"<start>": n}}`, every
// PUT and GET that reached a signed URL, counted before any fault; `POST /__test/reset` zeroes them.

import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { once } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';

/** The largest part accepted. */
export const MAX_PART = 64 * 1024 * 1024;

/** The store: where files go, the fault script, the counters. */
export function s3Store() {
  let dir = process.env.S3_FAKE_DIR;
  if (dir) {
    fs.mkdirSync(dir, { recursive: true });
  } else {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'aps-auth-s3-'));
    process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  }
  let faults = [];
  let stats = { puts: {}, gets: {} };
  let files = 0;

  /** The first fault matching, used once. */
  function fault(op, key) {
    const found = faults.find((f) => f.op === op && (op === 'put' ? f.part === key : f.start === key)
      && (f.times ?? 1) > 0);
    if (found) found.times = (found.times ?? 1) - 1;
    return found;
  }

  /**
   * Streams the request body into a new file: `{file, size, etag}`, undefined when too large,
   * null when the body did not arrive whole.
   */
  async function receive(req) {
    files += 1;
    const file = path.join(dir, `part-${process.pid}-${files}`);
    const out = fs.createWriteStream(file);
    const md5 = crypto.createHash('md5');
    let size = 0;
    try {
      for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_PART) {
          out.destroy();
          fs.rmSync(file, { force: true });
          return undefined;
        }
        md5.update(chunk);
        if (!out.write(chunk)) await once(out, 'drain');
      }
      await new Promise((resolve, reject) => out.end((err) => (err ? reject(err) : resolve())));
    } catch {
      out.destroy();
      fs.rmSync(file, { force: true });
      return null;
    }
    if (!req.complete) {
      // The client went away mid-body: S3 stores nothing.
      fs.rmSync(file, { force: true });
      return null;
    }
    return { file, size, etag: md5.digest('hex') };
  }

  /** Reads bytes `start..=end` of parts laid end to end. */
  async function* read(parts, start, end) {
    let offset = 0;
    for (const part of parts) {
      const from = Math.max(start, offset);
      const to = Math.min(end, offset + part.size - 1);
      if (from <= to) {
        yield* fs.createReadStream(part.file, { start: from - offset, end: to - offset, highWaterMark: 256 * 1024 });
      }
      offset += part.size;
      if (offset > end) return;
    }
  }

  /** SHA-1 and MD5 (hex) of parts laid end to end. */
  async function digests(parts, size) {
    const sha1 = crypto.createHash('sha1');
    const md5 = crypto.createHash('md5');
    if (size > 0) {
      for await (const chunk of read(parts, 0, size - 1)) {
        sha1.update(chunk);
        md5.update(chunk);
      }
    }
    return { sha1: sha1.digest('hex'), md5: md5.digest('hex') };
  }

  /** Removes parts' files. */
  function remove(parts) {
    for (const part of parts) fs.rmSync(part.file, { force: true });
  }

  return {
    fault,
    receive,
    read,
    digests,
    remove,
    count(op, key) {
      const table = op === 'put' ? stats.puts : stats.gets;
      table[key] = (table[key] ?? 0) + 1;
    },
    setFaults(list) {
      faults = Array.isArray(list) ? list.map((f) => ({ ...f })) : [];
    },
    stats: () => stats,
    reset() {
      stats = { puts: {}, gets: {} };
    },
  };
}

/** Drops the connection under a request (the answer is never sent). */
export function dropConnection(ctx) {
  ctx.respond = false;
  ctx.req.socket.destroy();
}

/** Waits a fault's delay. */
export const delay = (ms) => sleep(ms);
