import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { NetworkBlocked, resolveGeth, sourceKey } from "../../network/geth-binary";

/**
 * Where the QBFT node comes from (network/geth-binary.ts), with small Go programs standing in for
 * GoQuorum's source: they are real `go build`s of a `cmd/geth` that answers `geth version` as GoQuorum
 * does, so the routes, the cache and the failure handling run as they do for the real node.
 */
describe("QBFT node binary: QBFT_GETH_BIN, cache, QUORUM_SRC, module proxy", function () {
  this.timeout(180_000);
  const saved = { bin: process.env.QBFT_GETH_BIN, src: process.env.QUORUM_SRC, cache: process.env.QBFT_CACHE_DIR };
  let dir: string;
  let lines: string[];
  const log = (line: string) => lines.push(line);

  /** A source tree whose `cmd/geth` prints a GoQuorum-style version (or fails to compile). */
  function tree(name: string, quorumVersion: string, compiles = true): string {
    const root = path.join(dir, name);
    fs.mkdirSync(path.join(root, "cmd", "geth"), { recursive: true });
    fs.writeFileSync(path.join(root, "go.mod"), "module example.local/fakequorum\n\ngo 1.20\n");
    const body = compiles ? `fmt.Println("Geth\\nVersion: 1.10.3-stable\\nQuorum Version: ${quorumVersion}")` : "this is not Go";
    fs.writeFileSync(path.join(root, "cmd", "geth", "main.go"), `package main\n\nimport "fmt"\n\nfunc main() {\n\t${body}\n}\n`);
    return root;
  }
  function archive(root: string): string {
    const file = `${root}.tar.gz`;
    const tar = spawnSync("tar", ["-czf", file, "-C", path.dirname(root), path.basename(root)]);
    expect(tar.status).to.equal(0);
    return file;
  }
  const cached = () => fs.readdirSync(process.env.QBFT_CACHE_DIR!).filter((d) => fs.existsSync(path.join(process.env.QBFT_CACHE_DIR!, d, "geth")));

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "geth-binary-"));
    process.env.QBFT_CACHE_DIR = path.join(dir, "cache");
    delete process.env.QBFT_GETH_BIN;
    delete process.env.QUORUM_SRC;
    lines = [];
  });
  afterEach(function () {
    for (const [name, value] of [["QBFT_GETH_BIN", saved.bin], ["QUORUM_SRC", saved.src], ["QBFT_CACHE_DIR", saved.cache]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("builds a source archive once, then takes it from the cache, and prints the route and version", function () {
    process.env.QUORUM_SRC = archive(tree("quorum-a", "24.4.1"));
    const built = resolveGeth(log);
    expect(built.route).to.equal("QUORUM_SRC");
    expect(built.version).to.equal("Quorum Version: 24.4.1 (geth 1.10.3-stable)");
    expect(lines.at(-1)).to.match(/^QBFT node: Quorum Version: 24\.4\.1 \(geth 1\.10\.3-stable\), from QUORUM_SRC/);
    const again = resolveGeth(log);
    expect(again.route).to.equal("cache");
    expect(again.path).to.equal(built.path);
    expect(cached()).to.have.length(1);
  });

  it("keys the cache by the source: a different source builds again", function () {
    process.env.QUORUM_SRC = tree("quorum-a", "24.4.1");
    const first = resolveGeth(log);
    process.env.QUORUM_SRC = tree("quorum-b", "24.4.2");
    const second = resolveGeth(log);
    expect(second.route).to.equal("QUORUM_SRC");
    expect(second.path).to.not.equal(first.path);
    expect(second.version).to.match(/24\.4\.2/);
    expect(cached()).to.have.length(2);
    // without QUORUM_SRC, the newest cached build serves
    delete process.env.QUORUM_SRC;
    expect(resolveGeth(log).route).to.equal("cache");
  });

  it("leaves no binary behind when the build fails, and says so naming the exit", function () {
    process.env.QUORUM_SRC = tree("broken", "24.4.1", false);
    expect(() => resolveGeth(log)).to.throw(/go build exit 1/);
    expect(cached()).to.deep.equal([]);
    expect(fs.readdirSync(process.env.QBFT_CACHE_DIR!), "not even an empty folder").to.deep.equal([]);
    expect(fs.readdirSync(process.env.QBFT_CACHE_DIR!).filter((d) => d.includes(".work-"))).to.deep.equal([]);
  });

  it("refuses an archive whose published sha256 does not match", function () {
    const file = archive(tree("quorum-a", "24.4.1"));
    fs.writeFileSync(`${file}.sha256`, `${"0".repeat(64)}  ${path.basename(file)}\n`);
    expect(() => sourceKey(file)).to.throw(/sha256 [0-9a-f]{64} does not match 0{64} published in quorum-a\.tar\.gz\.sha256: refusing to build it/);
    process.env.QUORUM_SRC = file;
    expect(() => resolveGeth(log)).to.throw(/refusing to build it/);
    expect(fs.existsSync(process.env.QBFT_CACHE_DIR!) ? cached() : []).to.deep.equal([]);
  });

  it("refuses an archive under the name of a known source whose digest is not the known one, with no .sha256 beside it", function () {
    const root = tree("quorum-v24.4.1", "24.4.1");
    const file = path.join(dir, "quorum-v24.4.1-src.tar.xz");
    expect(spawnSync("tar", ["-cJf", file, "-C", dir, path.basename(root)]).status).to.equal(0);
    expect(() => sourceKey(file)).to.throw(/is not the known digest 033921aa4d55888bf9b219b58b044b0c1ca225913d27720842361219be6aa736 of quorum-v24\.4\.1-src\.tar\.xz: refusing to build it/);
  });

  it("does not use a cached binary that changed since it was built", function () {
    process.env.QUORUM_SRC = tree("quorum-a", "24.4.1");
    const built = resolveGeth(log);
    fs.appendFileSync(built.path, "tampered");
    const again = resolveGeth(log);
    expect(again.route).to.equal("QUORUM_SRC");
    expect(again.version).to.match(/24\.4\.1/);
  });

  it("uses QBFT_GETH_BIN first, and refuses one that is missing or is not GoQuorum", function () {
    process.env.QUORUM_SRC = tree("quorum-a", "24.4.1");
    const built = resolveGeth(log);
    process.env.QBFT_GETH_BIN = built.path;
    process.env.QUORUM_SRC = path.join(dir, "nowhere");
    expect(resolveGeth(log).route).to.equal("QBFT_GETH_BIN");
    process.env.QBFT_GETH_BIN = path.join(dir, "missing-geth");
    expect(() => resolveGeth(log)).to.throw(`QBFT_GETH_BIN=${path.join(dir, "missing-geth")}: no such file`);
    process.env.QBFT_GETH_BIN = "/bin/true";
    expect(() => resolveGeth(log)).to.throw(/is not GoQuorum/);
  });

  it("names a QUORUM_SRC that is neither a GoQuorum tree nor an archive", function () {
    expect(() => sourceKey(path.join(dir, "nowhere"))).to.throw(/QUORUM_SRC=.*nowhere: no such file or folder/);
    fs.mkdirSync(path.join(dir, "empty"));
    expect(() => sourceKey(path.join(dir, "empty"))).to.throw(/not a GoQuorum source tree \(no cmd\/geth in it\)/);
    fs.writeFileSync(path.join(dir, "notes.zip"), "x");
    expect(() => sourceKey(path.join(dir, "notes.zip"))).to.throw(/expected a source folder or a \.tar\.xz, \.tar\.gz or \.tgz archive/);
  });

  it("without binary, source or cache, a refused module-proxy route is reported as blocked (exit code 3)", function () {
    const env = { ...process.env };
    process.env.GOFLAGS = "-mod=mod";
    process.env.GOPROXY = "off"; // as a proxy that refuses Consensys/quorum does
    try {
      expect(() => resolveGeth(log)).to.throw(NetworkBlocked, /Set QBFT_GETH_BIN to a GoQuorum binary, or QUORUM_SRC/);
    } finally {
      process.env.GOPROXY = env.GOPROXY;
      if (env.GOPROXY === undefined) delete process.env.GOPROXY;
      process.env.GOFLAGS = env.GOFLAGS;
      if (env.GOFLAGS === undefined) delete process.env.GOFLAGS;
    }
    expect(cached()).to.deep.equal([]);
  });
});
