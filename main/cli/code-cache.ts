/**
 * The shipped CLI's script loader (issue 13, "A CLI that starts fast"): the bundle files of dist/cli
 * (scripts/build-cli.mjs) are CommonJS-style scripts that this loader compiles with `vm.Script` and V8's code
 * cache, which Node 20 offers to no ES module (`module.enableCompileCache` is Node 22's). Compiling and first
 * running the X.509 stack and the command code costs tens of milliseconds that a cache hit skips
 * (`npm run bench cli`).
 *
 * The cache is never trusted blindly. A cache file is used only when
 * - it is a regular file (opened without following a symlink), owned by this user or by the bundle file's owner,
 *   not writable by group or others, and at most MAX_CACHE_FILE_SIZE;
 * - its header names the SHA-256 of the exact source being compiled (V8 itself compares only the source's
 *   length, so a rebuilt bundle of the same length would otherwise run stale bytecode) and the SHA-256 of the
 *   body that follows (V8 release builds skip their own checksum, so a torn or altered file is caught here);
 * - V8 accepts it (`script.cachedDataRejected` false: same V8 version, flags and source length).
 * Anything else compiles from source and, after the command, writes a fresh cache: a new file (mode 0644)
 * renamed into place, so a reader never sees half a file.
 *
 * What a cache holds: the functions compiled by the run that wrote it (V8 compiles a function when it is first
 * called). Each cache records which bundle files the runs it comes from loaded. A run that loads a file none of
 * them did took another path through the code (`create` verifying after a `create --no-verify` wrote the shared
 * files' caches): it rewrites the caches it used, which then hold both paths' functions (the accepted ones and
 * those this run compiled), and records both runs' files. So the caches grow to what is used, once per new path,
 * and a verified `create` does not compile its checks anew in every run because a `--no-verify` came first.
 *
 * A cache place that cannot be written (read-only installation, no such directory) only means no cache; every
 * failure of the cache is silent and never changes what the command does.
 *
 * Where: `SE_ATTEST_CODE_CACHE` names the directory (`off` disables the cache); by default `code-cache/` beside
 * the bundle (dist/cli/code-cache/, see the README's "CLI start-up").
 */
import { createHash, randomBytes } from 'node:crypto';
import {
  closeSync,
  constants,
  fchmodSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  readSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';

/**
 * First bytes of every cache file. Format version 2: magic, SHA-256 of the source, SHA-256 of the body; the body
 * is the length (u32, big-endian) of the list of bundle files the writing runs loaded, the list (UTF-8, one
 * bundle-relative path per line), and V8's cached data.
 */
const MAGIC = Buffer.from('se-attest V8 code cache 2\n', 'latin1');
const HASH_SIZE = 32;
const HEADER_SIZE = MAGIC.length + 2 * HASH_SIZE;
const LIST_LENGTH_SIZE = 4;
/** Largest cache file read (the biggest bundle's cache is a few MiB). */
export const MAX_CACHE_FILE_SIZE = 64 * 1024 * 1024;
/** The environment variable naming the cache directory, or `off`. */
export const CODE_CACHE_ENV = 'SE_ATTEST_CODE_CACHE';

/**
 * The parameters a bundle script sees: CommonJS's five, and the bundle file's URL for what was `import.meta.url`
 * in the sources (build-cli.mjs defines one as the other).
 */
const WRAPPER_HEAD = '(function (exports, require, module, __filename, __dirname, __seAttestImportMetaUrl) {';
const WRAPPER_TAIL = '\n})';

/** What became of one script's cache in this process. */
export type CodeCacheState =
  /** compiled from the cache */
  | 'accepted'
  /** no cache file (or none readable) */
  | 'absent'
  /** a cache file was refused before V8 saw it: owner, mode, size, header, source or data hash */
  | 'refused'
  /** V8 refused the cached data (another V8 version, other flags, another source length) */
  | 'rejected'
  /** no cache place (SE_ATTEST_CODE_CACHE=off) */
  | 'disabled';

/** One bundle file loaded by a ScriptLoader. */
export interface LoadedScript {
  /** Path relative to the bundle directory, with `/`. */
  readonly file: string;
  readonly cache: CodeCacheState;
  /** Whether this process wrote a fresh cache for it. */
  readonly written: boolean;
}

/** The cache directory for a bundle in `bundleDir`: $SE_ATTEST_CODE_CACHE, `off` for none, else beside it. */
export function codeCacheDirFor(env: NodeJS.ProcessEnv, bundleDir: string): string | undefined {
  const v = env[CODE_CACHE_ENV];
  if (v === 'off') return undefined;
  if (v !== undefined && v !== '') return resolve(v);
  return join(bundleDir, 'code-cache');
}

interface ScriptEntry {
  readonly path: string;
  readonly sourceHash: Buffer;
  readonly module: { exports: unknown };
  script?: Script;
  cache: CodeCacheState;
  /** For an accepted cache: the bundle files the runs it comes from loaded. */
  loadedBy?: ReadonlySet<string>;
  written: boolean;
}

const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

/** Loads the bundle scripts of one directory (each once, like `require`), compiled with the code cache. */
export class ScriptLoader {
  readonly #dir: string;
  readonly #cacheDir: string | undefined;
  readonly #entries = new Map<string, ScriptEntry>();

  constructor(opts: { dir: string; cacheDir: string | undefined }) {
    this.#dir = resolve(opts.dir);
    this.#cacheDir = opts.cacheDir;
  }

  /** Runs (once) and returns the exports of the bundle script at `request`, relative to the bundle directory. */
  require(request: string): unknown {
    return this.#load(resolve(this.#dir, request));
  }

  /** The scripts loaded so far, in load order. */
  loaded(): LoadedScript[] {
    return [...this.#entries.values()].map((e) => ({
      file: relative(this.#dir, e.path).split(sep).join('/'),
      cache: e.cache,
      written: e.written,
    }));
  }

  /**
   * Writes a cache for every script loaded without an accepted one, and rewrites an accepted one when this run
   * loaded a file that the runs it comes from did not (the header comment). Called after the command ran, so the
   * cache holds the functions the run compiled too, not only the top level.
   */
  flush(): void {
    if (this.#cacheDir === undefined) return;
    const loaded = new Set(this.loaded().map((s) => s.file));
    for (const e of this.#entries.values()) {
      if (e.script === undefined) continue;
      const known = e.cache === 'accepted' ? e.loadedBy : undefined;
      if (known && [...loaded].every((f) => known.has(f))) continue;
      e.written = this.#writeCache(e, new Set([...(known ?? []), ...loaded]));
    }
  }

  #load(path: string): unknown {
    const known = this.#entries.get(path);
    if (known) return known.module.exports;
    const rel = relative(this.#dir, path);
    if (rel.startsWith('..') || isAbsolute(rel)) throw new Error(`not a file of the CLI bundle: ${path}`);
    // a file of the bundle itself (as trusted as this loader), not user input
    const source = readFileSync(path, 'utf8');
    const entry: ScriptEntry = {
      path,
      sourceHash: sha256(source),
      module: { exports: {} },
      cache: this.#cacheDir === undefined ? 'disabled' : 'absent',
      written: false,
    };
    // registered before it runs: a cycle gets the exports as far as they are, as with require()
    this.#entries.set(path, entry);
    const cached = this.#readCache(entry);
    const cachedData = cached?.data;
    const script = new Script(WRAPPER_HEAD + source + WRAPPER_TAIL, {
      filename: path,
      ...(cachedData ? { cachedData } : {}),
    });
    if (cached) {
      entry.cache = script.cachedDataRejected === true ? 'rejected' : 'accepted';
      if (entry.cache === 'accepted') entry.loadedBy = cached.loadedBy;
    }
    entry.script = script;
    const nodeRequire = createRequire(path);
    const dir = dirname(path);
    const scriptRequire = Object.assign(
      (id: string) => (id.startsWith('./') || id.startsWith('../') ? this.#load(resolve(dir, id)) : nodeRequire(id)),
      { resolve: nodeRequire.resolve },
    );
    const fn = script.runInThisContext() as (...args: unknown[]) => void;
    fn.call(
      entry.module.exports,
      entry.module.exports,
      scriptRequire,
      entry.module,
      path,
      dir,
      pathToFileURL(path).href,
    );
    return entry.module.exports;
  }

  #cacheFile(path: string): string {
    const rel = relative(this.#dir, path).split(sep).join('_');
    // one file per bundle file, bundle directory and Node build: installations and Node versions never share one
    const where = sha256(path).subarray(0, 6).toString('hex');
    return join(this.#cacheDir!, `${rel}-${where}-${process.version}-${process.arch}.v8cache`);
  }

  /** The cached data for `e` and its list, if a cache file passes every check (the header comment). */
  #readCache(e: ScriptEntry): { data: Buffer; loadedBy: Set<string> } | undefined {
    if (this.#cacheDir === undefined) return undefined;
    let fd: number;
    try {
      fd = openSync(this.#cacheFile(e.path), constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      e.cache = code === 'ENOENT' || code === 'ENOTDIR' ? 'absent' : 'refused';
      return undefined;
    }
    try {
      const st = fstatSync(fd);
      if (
        !st.isFile() ||
        st.size < HEADER_SIZE ||
        st.size > MAX_CACHE_FILE_SIZE ||
        (st.mode & 0o022) !== 0 ||
        !this.#trustedOwner(st.uid, e.path)
      ) {
        e.cache = 'refused';
        return undefined;
      }
      const buf = Buffer.alloc(st.size);
      let off = 0;
      while (off < buf.length) {
        const n = readSync(fd, buf, off, buf.length - off, off);
        if (n === 0) break;
        off += n;
      }
      const body = buf.subarray(HEADER_SIZE);
      const listLength = body.length >= LIST_LENGTH_SIZE ? body.readUInt32BE(0) : -1;
      if (
        off !== buf.length ||
        !buf.subarray(0, MAGIC.length).equals(MAGIC) ||
        !buf.subarray(MAGIC.length, MAGIC.length + HASH_SIZE).equals(e.sourceHash) ||
        !buf.subarray(MAGIC.length + HASH_SIZE, HEADER_SIZE).equals(sha256(body)) ||
        listLength < 0 ||
        LIST_LENGTH_SIZE + listLength > body.length
      ) {
        e.cache = 'refused';
        return undefined;
      }
      const list = body.subarray(LIST_LENGTH_SIZE, LIST_LENGTH_SIZE + listLength).toString('utf8');
      return {
        data: body.subarray(LIST_LENGTH_SIZE + listLength),
        loadedBy: new Set(list === '' ? [] : list.split('\n')),
      };
    } catch {
      e.cache = 'refused';
      return undefined;
    } finally {
      closeSync(fd);
    }
  }

  /** A cache file's owner must be this user or the bundle file's owner (who could change the code anyway). */
  #trustedOwner(uid: number, bundleFile: string): boolean {
    if (typeof process.getuid !== 'function') return true;
    if (uid === process.getuid()) return true;
    try {
      return uid === statSync(bundleFile).uid;
    } catch {
      return false;
    }
  }

  /**
   * Writes `e`'s cache, recording `loadedBy`, atomically (new 0644 file renamed into place); false when the place
   * cannot be written.
   */
  #writeCache(e: ScriptEntry, loadedBy: ReadonlySet<string>): boolean {
    const target = this.#cacheFile(e.path);
    const temp = `${target}.${process.pid}-${randomBytes(6).toString('hex')}.tmp`;
    try {
      const list = Buffer.from([...loadedBy].sort().join('\n'), 'utf8');
      const length = Buffer.alloc(LIST_LENGTH_SIZE);
      length.writeUInt32BE(list.length);
      const body = Buffer.concat([length, list, e.script!.createCachedData()]);
      mkdirSync(this.#cacheDir!, { recursive: true, mode: 0o755 });
      // 'wx': a new file, never an existing one or a symlink's target
      const fd = openSync(temp, 'wx', 0o644);
      try {
        fchmodSync(fd, 0o644); // whatever the umask: readable by whoever runs this bundle
        for (const part of [MAGIC, e.sourceHash, sha256(body), body]) {
          let off = 0;
          while (off < part.length) off += writeSync(fd, part, off, part.length - off);
        }
      } finally {
        closeSync(fd);
      }
      renameSync(temp, target);
      return true;
    } catch {
      try {
        rmSync(temp, { force: true });
      } catch {
        // nothing was created
      }
      return false;
    }
  }
}
