import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { resolveClef } from "../../network/clef";

/**
 * Where clef comes from (network/clef.ts), with a small Go tree standing in for GoQuorum's: its
 * `cmd/clef` calls `fourbyte.Asset("4byte.json")`, which only the generated 4-byte database defines, so
 * it compiles only when the build adds the empty database, as the GoQuorum archive needs.
 */
describe("Clef binary: CLEF_BIN, QUORUM_SRC with the 4-byte database added for the build, cache", function () {
  this.timeout(180_000);
  const saved = { bin: process.env.CLEF_BIN, src: process.env.QUORUM_SRC, cache: process.env.QBFT_CACHE_DIR };
  let dir: string;
  let lines: string[];
  const log = (line: string) => lines.push(line);

  /** A tree with cmd/geth, cmd/clef and signer/fourbyte; with `database`, its own 4byte.go. */
  function tree(name: string, database?: string): string {
    const root = path.join(dir, name);
    const write = (file: string, text: string) => {
      fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
      fs.writeFileSync(path.join(root, file), text);
    };
    write("go.mod", "module example.local/fakequorum\n\ngo 1.20\n");
    write("cmd/geth/main.go", "package main\n\nfunc main() {}\n");
    write("signer/fourbyte/fourbyte.go", "package fourbyte\n\nfunc Load() ([]byte, error) { return Asset(\"4byte.json\") }\n");
    write("cmd/clef/main.go", [
      "package main", "", "import (", "\t\"fmt\"", "\t\"example.local/fakequorum/signer/fourbyte\"", ")", "",
      "func main() {", "\tblob, err := fourbyte.Load()", "\tfmt.Printf(\"Clef version 0.0.0\\n4byte %s %v\\n\", blob, err)", "}", "",
    ].join("\n"));
    if (database) write("signer/fourbyte/4byte.go", `package fourbyte\n\nfunc Asset(string) ([]byte, error) { return []byte(\`${database}\`), nil }\n`);
    return root;
  }
  const output = (bin: string) => spawnSync(bin, ["--version"], { encoding: "utf8" }).stdout;

  beforeEach(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "clef-binary-"));
    process.env.QBFT_CACHE_DIR = path.join(dir, "cache");
    delete process.env.CLEF_BIN;
    delete process.env.QUORUM_SRC;
    lines = [];
  });
  afterEach(function () {
    for (const [name, value] of [["CLEF_BIN", saved.bin], ["QUORUM_SRC", saved.src], ["QBFT_CACHE_DIR", saved.cache]] as const) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("builds clef from a source that lacks the 4-byte database, writing nothing into the source, then takes it from the cache", function () {
    const source = tree("quorum");
    process.env.QUORUM_SRC = source;
    const built = resolveClef(log);
    expect(built.version).to.equal("Clef version 0.0.0");
    expect(output(built.path)).to.equal("Clef version 0.0.0\n4byte {} <nil>\n");
    expect(fs.existsSync(path.join(source, "signer", "fourbyte", "4byte.go"))).to.equal(false);
    expect(lines.filter((l) => l.startsWith("building GoQuorum clef from "))).to.have.length(1);
    expect(path.dirname(path.dirname(built.path))).to.equal(process.env.QBFT_CACHE_DIR);
    const again = resolveClef(log);
    expect(again.path).to.equal(built.path);
    expect(lines.filter((l) => l.startsWith("building GoQuorum clef from "))).to.have.length(1);
    // without QUORUM_SRC, the newest cached clef serves
    delete process.env.QUORUM_SRC;
    expect(resolveClef(log).path).to.equal(built.path);
  });

  it("keeps a source's own 4-byte database", function () {
    process.env.QUORUM_SRC = tree("quorum-full", '{"a9059cbb":"transfer(address,uint256)"}');
    expect(output(resolveClef(log).path)).to.equal('Clef version 0.0.0\n4byte {"a9059cbb":"transfer(address,uint256)"} <nil>\n');
  });

  it("uses CLEF_BIN first, and refuses one that is missing or does not run as clef", function () {
    const own = path.join(dir, "own-clef");
    fs.writeFileSync(own, "#!/bin/sh\necho 'Clef version 9.9.9'\n", { mode: 0o755 });
    process.env.CLEF_BIN = own;
    process.env.QUORUM_SRC = path.join(dir, "no-such-source");
    expect(resolveClef(log)).to.deep.equal({ path: own, version: "Clef version 9.9.9" });
    process.env.CLEF_BIN = path.join(dir, "missing");
    expect(() => resolveClef(log)).to.throw(`CLEF_BIN=${path.join(dir, "missing")}: no such file`);
    const geth = path.join(dir, "geth");
    fs.writeFileSync(geth, "#!/bin/sh\necho 'Geth'\necho 'Version: 1.10.3-stable'\n", { mode: 0o755 });
    process.env.CLEF_BIN = geth;
    expect(() => resolveClef(log)).to.throw(`${geth} is not clef (\`${geth} --version\` printed "Geth")`);
    const failing = path.join(dir, "failing");
    fs.writeFileSync(failing, "#!/bin/sh\nexit 2\n", { mode: 0o755 });
    process.env.CLEF_BIN = failing;
    expect(() => resolveClef(log)).to.throw(`${failing} does not run as clef (\`${failing} --version\` exited 2)`);
  });

  it("names the variables to set when there is no binary, source or cached build", function () {
    expect(() => resolveClef(log)).to.throw(
      "no clef: set CLEF_BIN to a clef binary, or QUORUM_SRC to a GoQuorum v24.4.1 source tree or archive to build it from",
    );
  });
});
