import { spawnSync } from "child_process";
import crypto from "crypto";
import fs from "fs";
import path from "path";

/**
 * Where the GoQuorum node (`geth`) of the local QBFT network comes from, in this order:
 *  1. `QBFT_GETH_BIN`: a binary the user already has (an official GoQuorum release, a bank's own build);
 *  2. the cached build for the configured source (network/.bin/<source key>/geth, outside git);
 *  3. `QUORUM_SRC`: a GoQuorum source tree or archive (.tar.xz/.tar.gz/.tgz), unpacked and built into
 *     the cache; an archive is checked against `<archive>.sha256` when one is published beside it;
 *  4. the Go module proxy, through the wrapper module in network/geth (needs a proxy that serves
 *     github.com/Consensys/quorum).
 * The cache is keyed by the source (archive sha256, tree content hash, or the wrapper module's go.mod),
 * so a different source builds again; a build is written under a temporary name and renamed only when
 * it succeeded, so a failed build leaves no binary behind.
 *
 * The same source builds the external signer `clef` (network/clef.ts) into the same cache folder.
 */

/** The node could not be had at all (no binary, no source, module proxy refused): exit code 3. */
export class NetworkBlocked extends Error {}

/** The build cache: network/.bin (outside git), or QBFT_CACHE_DIR. */
export const cacheDir = () => process.env.QBFT_CACHE_DIR ?? path.join(__dirname, ".bin");
const WRAPPER_MODULE = path.join(__dirname, "geth");
/** The fjl/memsize dependency links into the runtime by name, which Go 1.23+ linkers refuse without this. */
const LDFLAGS = "-ldflags=-checklinkname=0";

export type GethRoute = "QBFT_GETH_BIN" | "cache" | "QUORUM_SRC" | "module proxy";

/**
 * A command of the GoQuorum tree this project builds: its binary's name, the file of its cache entry
 * (geth's stays source.json), files the build adds to the tree through `go build -overlay` (the tree
 * itself is never written), and the check that the built binary runs.
 */
export interface QuorumCommand {
  name: "geth" | "clef";
  entryFile: string;
  overlay?: Record<string, string>;
  check: (bin: string) => string;
}

export const GETH: QuorumCommand = { name: "geth", entryFile: "source.json", check: (bin) => gethVersion(bin) };

export interface GethBinary {
  path: string;
  route: GethRoute;
  /** What the binary was built from (or the user's path). */
  source: string;
  /** `geth version` in one line, e.g. "Quorum Version: 24.4.1 (geth 1.10.3-stable)". */
  version: string;
}

interface CacheEntry {
  source: string;
  key: string;
  builtAt: string;
  /** sha256 of the binary as built: a cached binary that no longer matches is not used. */
  binarySha256: string;
}

/**
 * Source archives whose digest is known: such an archive must match, whatever sits beside it. The
 * GoQuorum v24.4.1 source archive of ../shared/goquorum (upstream tag v24.4.1, commit 8585ac91f198).
 */
const KNOWN_SOURCES: Record<string, string> = {
  "quorum-v24.4.1-src.tar.xz": "033921aa4d55888bf9b219b58b044b0c1ca225913d27720842361219be6aa736",
};

/** One line describing a geth binary, from `geth version`; throws when the binary does not run. */
export function gethVersion(bin: string): string {
  const run = spawnSync(bin, ["version"], { encoding: "utf8", env: { ...process.env, PRIVATE_CONFIG: "ignore" } });
  if (run.error || run.status !== 0) {
    throw new Error(`${bin} does not run as geth (\`${bin} version\` ${run.error ? `failed: ${run.error.message}` : `exited ${run.status}`})`);
  }
  const field = (name: string) => run.stdout.match(new RegExp(`^${name}: (.+)$`, "m"))?.[1]?.trim();
  const quorum = field("Quorum Version");
  const geth = field("Version");
  if (!quorum) throw new Error(`${bin} is not GoQuorum (no "Quorum Version" in \`geth version\`): the local network needs GoQuorum's QBFT`);
  return `Quorum Version: ${quorum} (geth ${geth ?? "unknown"})`;
}

function sha256File(file: string): string {
  const hash = crypto.createHash("sha256");
  const fd = fs.openSync(file, "r");
  const buffer = Buffer.alloc(1 << 20);
  try {
    for (let n = fs.readSync(fd, buffer); n > 0; n = fs.readSync(fd, buffer)) hash.update(buffer.subarray(0, n));
  } finally {
    fs.closeSync(fd);
  }
  return hash.digest("hex");
}

/** Content hash of a source tree: every regular file's relative path and bytes, in sorted order. */
function treeHash(root: string): string {
  const hash = crypto.createHash("sha256");
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (entry.name === ".git" || entry.name === "build") continue;
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) {
        hash.update(path.relative(root, full)).update("\0").update(fs.readFileSync(full)).update("\0");
      }
    }
  };
  walk(root);
  return hash.digest("hex");
}

const ARCHIVE = /\.(tar\.xz|txz|tar\.gz|tgz)$/;

/** Reads and checks QUORUM_SRC: the cache key of the source it names. */
export function sourceKey(src: string): { key: string; kind: "archive" | "tree" } {
  if (!fs.existsSync(src)) throw new Error(`QUORUM_SRC=${src}: no such file or folder`);
  if (fs.statSync(src).isDirectory()) {
    if (!fs.existsSync(path.join(src, "cmd", "geth"))) throw new Error(`QUORUM_SRC=${src}: not a GoQuorum source tree (no cmd/geth in it)`);
    return { key: `tree-${treeHash(src).slice(0, 16)}`, kind: "tree" };
  }
  if (!ARCHIVE.test(src)) throw new Error(`QUORUM_SRC=${src}: expected a source folder or a .tar.xz, .tar.gz or .tgz archive`);
  const digest = sha256File(src);
  const pinned = KNOWN_SOURCES[path.basename(src)];
  if (pinned && pinned !== digest) {
    throw new Error(`QUORUM_SRC=${src}: sha256 ${digest} is not the known digest ${pinned} of ${path.basename(src)}: refusing to build it`);
  }
  const published = `${src}.sha256`;
  if (fs.existsSync(published)) {
    const expected = fs.readFileSync(published, "utf8").trim().split(/\s+/)[0].toLowerCase();
    if (expected !== digest) {
      throw new Error(`QUORUM_SRC=${src}: sha256 ${digest} does not match ${expected} published in ${path.basename(published)}: refusing to build it`);
    }
  }
  return { key: `src-${digest.slice(0, 16)}`, kind: "archive" };
}

/** The cache key of the module-proxy route: the wrapper module's go.mod (and go.sum, if any). */
function moduleKey(): string {
  const hash = crypto.createHash("sha256");
  for (const file of ["go.mod", "go.sum"]) {
    const full = path.join(WRAPPER_MODULE, file);
    if (fs.existsSync(full)) hash.update(fs.readFileSync(full));
  }
  return `module-${hash.digest("hex").slice(0, 16)}`;
}

const cachedBin = (key: string, command: QuorumCommand = GETH) => path.join(cacheDir(), key, command.name);

/** The cached build of `command` for `key`, when complete and its binary unchanged since it was built. */
export function readEntry(key: string, command: QuorumCommand = GETH): (CacheEntry & { path: string }) | undefined {
  const file = path.join(cacheDir(), key, command.entryFile);
  const bin = cachedBin(key, command);
  if (!fs.existsSync(file) || !fs.existsSync(bin)) return undefined;
  const entry = JSON.parse(fs.readFileSync(file, "utf8")) as CacheEntry;
  return entry.binarySha256 === sha256File(bin) ? { ...entry, path: bin } : undefined;
}

/** Every complete cached build of `command`, newest first. */
export function cachedBuilds(command: QuorumCommand = GETH): (CacheEntry & { path: string })[] {
  if (!fs.existsSync(cacheDir())) return [];
  return fs.readdirSync(cacheDir())
    .map((key) => readEntry(key, command))
    .filter((e): e is CacheEntry & { path: string } => e !== undefined)
    .sort((a, b) => (a.builtAt < b.builtAt ? 1 : -1));
}

function go(args: string[], cwd: string, command: QuorumCommand = GETH, work?: string): void {
  if (command.overlay && work) {
    // files the tree lacks, added for this build only
    const replace: Record<string, string> = {};
    for (const [relative, content] of Object.entries(command.overlay)) {
      if (fs.existsSync(path.resolve(cwd, relative))) continue;
      const file = path.join(work, `overlay-${path.basename(relative)}`);
      fs.writeFileSync(file, content);
      replace[path.resolve(cwd, relative)] = file;
    }
    const overlay = path.join(work, "overlay.json");
    fs.writeFileSync(overlay, JSON.stringify({ Replace: replace }));
    args = [args[0], `-overlay=${overlay}`, ...args.slice(1)];
  }
  const build = spawnSync("go", args, { cwd, env: { ...process.env, GOFLAGS: "-mod=mod" }, encoding: "utf8" });
  if (build.error) throw new Error(`cannot run go (${build.error.message}): install Go to build the node from source`);
  if (build.status !== 0) {
    // Name the module proxy as $GOPROXY rather than by its host.
    const proxies = spawnSync("go", ["env", "GOPROXY"], { encoding: "utf8" }).stdout.trim().split(/[,|]/).filter((p) => /^https?:/.test(p));
    let text = `${build.stderr}${build.stdout}`;
    for (const proxy of proxies) text = text.split(proxy.replace(/\/$/, "")).join("$GOPROXY");
    const lines = text.trim().split("\n").filter((l) => !/^go: downloading /.test(l));
    throw new Error(`go build exit ${build.status}:\n${lines.join("\n")}`);
  }
}

/**
 * Builds into network/.bin/<key>/ under a temporary name, then renames: a failure leaves nothing that
 * a later run could take for a build.
 */
function buildInto(key: string, source: string, build: (output: string, work: string) => void, command: QuorumCommand = GETH): string {
  const dir = path.join(cacheDir(), key);
  const work = path.join(cacheDir(), `${key}.${command.name}.work-${process.pid}`);
  fs.rmSync(work, { recursive: true, force: true });
  fs.mkdirSync(work, { recursive: true });
  const partial = path.join(work, `${command.name}.partial`);
  try {
    build(partial, work);
    command.check(partial);
    const entry: CacheEntry = { source, key, builtAt: new Date().toISOString(), binarySha256: sha256File(partial) };
    fs.mkdirSync(dir, { recursive: true });
    fs.renameSync(partial, cachedBin(key, command));
    fs.writeFileSync(path.join(dir, command.entryFile), `${JSON.stringify(entry, null, 2)}\n`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  return cachedBin(key, command);
}

/** Builds `command` of the GoQuorum tree or archive `src` into the cache under `key`; returns the binary. */
export function buildFromSource(src: string, key: string, kind: "archive" | "tree", log: (line: string) => void, command: QuorumCommand = GETH): string {
  const duration = command.name === "geth" ? "about 90 s" : "about 2 min";
  log(`building GoQuorum ${command.name} from ${src} into ${path.relative(process.cwd(), path.join(cacheDir(), key))} (${duration} on 2 cores, once per source)...`);
  return buildInto(key, path.resolve(src), (output, work) => {
    let tree = src;
    if (kind === "archive") {
      const unpack = spawnSync("tar", ["-xf", path.resolve(src), "-C", work], { encoding: "utf8" });
      if (unpack.status !== 0) throw new Error(`cannot unpack ${src}: ${(unpack.stderr || unpack.error?.message || "").trim()}`);
      const top = fs.readdirSync(work).map((d) => path.join(work, d)).find((d) => fs.existsSync(path.join(d, "cmd", "geth")));
      tree = fs.existsSync(path.join(work, "cmd", "geth")) ? work : top ?? "";
      if (!tree) throw new Error(`${src} holds no GoQuorum source tree (no cmd/geth in it or in its top folder)`);
    }
    go(["build", "-trimpath", LDFLAGS, "-o", output, `./cmd/${command.name}`], tree, command, work);
  }, command);
}

function buildFromModuleProxy(key: string, log: (line: string) => void): string {
  log(`building GoQuorum geth from the Go module proxy (network/geth/go.mod) into ${path.relative(process.cwd(), path.join(cacheDir(), key))}...`);
  try {
    return buildInto(key, "module proxy: network/geth/go.mod", (output) => {
      go(["build", "-trimpath", LDFLAGS, "-o", output, "github.com/ethereum/go-ethereum/cmd/geth"], WRAPPER_MODULE);
    });
  } catch (e) {
    const message = (e as Error).message;
    // only a route that cannot be had is "blocked"; a build that was reached and failed is an error
    const unreachable = /403|404|410|not available|unrecognized import path|no such host|dial tcp|connection refused|GOPROXY=off|cannot run go/i;
    if (!unreachable.test(message)) throw new Error(`building GoQuorum from the Go module proxy failed: ${message}`);
    throw new NetworkBlocked(
      `no GoQuorum node: QBFT_GETH_BIN and QUORUM_SRC are not set, nothing is cached, and the Go module proxy route is not available (${message})\n`
      + "Set QBFT_GETH_BIN to a GoQuorum binary, or QUORUM_SRC to a GoQuorum v24.4.1 source tree or archive.",
    );
  }
}

/** Finds or builds the node, in the order described above; logs which route was used and its version. */
export function resolveGeth(log: (line: string) => void = console.log): GethBinary {
  const found = find(log);
  found.version = gethVersion(found.path);
  log(`QBFT node: ${found.version}, from ${found.route} (${found.source}): ${path.relative(process.cwd(), found.path) || found.path}`);
  return found;
}

function find(log: (line: string) => void): GethBinary {
  const own = process.env.QBFT_GETH_BIN?.trim();
  if (own) {
    if (!fs.existsSync(own)) throw new Error(`QBFT_GETH_BIN=${own}: no such file`);
    return { path: path.resolve(own), route: "QBFT_GETH_BIN", source: own, version: "" };
  }
  const src = process.env.QUORUM_SRC?.trim();
  if (src) {
    const { key, kind } = sourceKey(src);
    const cached = readEntry(key);
    if (cached) return { path: cached.path, route: "cache", source: cached.source, version: "" };
    return { path: buildFromSource(src, key, kind, log), route: "QUORUM_SRC", source: path.resolve(src), version: "" };
  }
  const key = moduleKey();
  const cached = readEntry(key) ?? cachedBuilds()[0];
  if (cached) return { path: cachedBin(cached.key), route: "cache", source: cached.source, version: "" };
  return { path: buildFromModuleProxy(key, log), route: "module proxy", source: "network/geth/go.mod", version: "" };
}
