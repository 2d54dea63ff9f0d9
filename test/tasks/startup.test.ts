import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import { commandLineTask } from "../../lib/cli/invocation";

const ROOT = path.join(__dirname, "..", "..");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const transpiler = require("../../lib/ts-transpiler.js") as {
  CACHE: string;
  create(o: { service: { config: { options: { target?: number } } } }): { transpile(input: string, o: { fileName: string }): { outputText: string; sourceMapText?: string } };
};

/** Plugins only tests, coverage and deployment tooling use. */
const TOOLBOX_ONLY = ["hardhat-gas-reporter", "solidity-coverage", "@nomicfoundation/hardhat-chai-matchers", "@nomicfoundation/hardhat-ignition"];

/** `npx hardhat <args>` with a probe that prints, at exit, which of TOOLBOX_ONLY the process loaded. */
function hardhatWithProbe(args: string[]) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "startup-probe-"));
  const probe = path.join(dir, "probe.js");
  fs.writeFileSync(probe, `process.on("exit", () => {
    const loaded = ${JSON.stringify(TOOLBOX_ONLY)}.filter((p) => Object.keys(require.cache).some((f) => f.includes("/node_modules/" + p + "/")));
    process.stderr.write("PROBE " + JSON.stringify(loaded) + "\\n");
    const compiled = Object.keys(require.cache).filter((f) => !f.includes("/node_modules/") && (f.includes("/typechain-types/") || f.includes("/artifacts/")));
    process.stderr.write("COMPILED " + JSON.stringify(compiled) + "\\n");
  });\n`);
  try {
    const env = { ...process.env, NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ""} --require ${probe}` };
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), args, { cwd: ROOT, env, encoding: "utf8" });
    const line = r.stderr.split("\n").find((l) => l.startsWith("PROBE ")) ?? "PROBE null";
    const compiled = r.stderr.split("\n").find((l) => l.startsWith("COMPILED ")) ?? "COMPILED null";
    return {
      status: r.status, stdout: r.stdout, loaded: JSON.parse(line.slice("PROBE ".length)) as string[] | null,
      compiled: JSON.parse(compiled.slice("COMPILED ".length)) as string[] | null,
    };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

describe("Start-up of the commands", function () {
  this.timeout(120_000);

  it("reads the task of a command line as Hardhat does: its own options skipped, help X naming X", function () {
    expect(commandLineTask(["status", "--network", "localhost"])).to.equal("status");
    expect(commandLineTask(["--network", "localhost", "--show-stack-traces", "token:issue", "--amount", "5.00"])).to.equal("token:issue");
    expect(commandLineTask(["help", "status"])).to.equal("status");
    expect(commandLineTask(["status", "--help"])).to.equal("status");
    expect(commandLineTask(["test", "test/unit/DepositToken.test.ts"])).to.equal("test");
    expect(commandLineTask(["--help"])).to.equal(undefined);
    expect(commandLineTask([])).to.equal(undefined);
    expect(commandLineTask(["--no-such-option", "status"])).to.equal(undefined);
  });

  it("starts an operator command without the test, coverage and ignition plugins", function () {
    const r = hardhatWithProbe(["help", "status"]);
    expect(r.status).to.equal(0);
    expect(r.stdout).to.include("status: Where things stand");
    expect(r.loaded).to.deep.equal([]);
  });

  it("keeps every plugin's task for every other use: the list of tasks names coverage, verify, ignition and typechain", function () {
    const list = hardhatWithProbe(["--help"]);
    expect(list.status).to.equal(0);
    expect(list.loaded).to.deep.equal(TOOLBOX_ONLY);
    // Loading the configuration (and with it every command's module) needs nothing compiled: on a fresh
    // checkout `hardhat compile` itself loads it before typechain-types and artifacts exist.
    expect(list.compiled).to.deep.equal([]);
    for (const name of ["coverage", "verify", "ignition", "typechain", "test", "status", "token:issue"]) {
      expect(list.stdout, name).to.match(new RegExp(`^\\s+${name}\\s`, "m"));
    }
    const coverage = hardhatWithProbe(["coverage", "--help"]);
    expect(coverage.status).to.equal(0);
    expect(coverage.stdout).to.include("coverage: Generates a code coverage report for tests");
  });

  it("transpiles the project's TypeScript with esbuild as TypeScript does: imports of types dropped, import() a require, class fields defined, a source map", function () {
    const registered = (process as unknown as Record<symbol, { options: { transpiler?: string } } | undefined>)[Symbol.for("ts-node.register.instance")];
    expect(registered?.options.transpiler).to.equal("./lib/ts-transpiler.js");

    const { outputText, sourceMapText } = transpiler.create({ service: { config: { options: { target: 9 } } } }).transpile(
      'import type { Foo } from "./foo";\nimport { bar } from "./bar";\nexport class A { x = bar; y?: Foo }\nexport const later = () => import("./later");\n',
      { fileName: "/tmp/a.ts" });
    expect(outputText).to.include('require("./bar")');
    expect(outputText).not.to.include("./foo");
    expect(outputText).to.include('require("./later")');
    expect(outputText).not.to.match(/[^.\w]import\(/);
    expect(outputText).to.match(/^\s+x = import_bar\.bar;$/m);
    expect(outputText).to.match(/^\s+y;$/m);
    expect(JSON.parse(sourceMapText ?? "{}").sources).to.deep.equal(["/tmp/a.ts"]);
  });

  it("keeps each transpiled file in cache/ts-transpiled under the hash of its text, reads it back, replaces a broken one, and keeps nothing with TS_TRANSPILE_CACHE=off", function () {
    const t = transpiler.create({ service: { config: { options: { target: 9 } } } });
    const input = `export const nonce: string = "${process.pid}-${Date.now()}";\n`;
    const listing = () => new Set(fs.existsSync(transpiler.CACHE) ? fs.readdirSync(transpiler.CACHE) : []);
    const before = listing();
    const fresh = t.transpile(input, { fileName: "/tmp/cached.ts" });
    expect(fresh.outputText).to.include("const nonce = ");
    const added = [...listing()].filter((f) => !before.has(f));
    expect(added).to.have.length(1);
    const file = path.join(transpiler.CACHE, added[0]);
    try {
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal(fresh);
      // Read back, not transpiled again: what the cache holds is what the next start gets.
      fs.writeFileSync(file, JSON.stringify({ outputText: "// kept\n", sourceMapText: "{}" }));
      expect(t.transpile(input, { fileName: "/tmp/cached.ts" }).outputText).to.equal("// kept\n");
      // Another file name is another entry (its source map names it).
      expect(t.transpile(input, { fileName: "/tmp/other.ts" }).outputText).to.include("const nonce = ").and.not.include("// kept");
      fs.writeFileSync(file, "{ broken");
      expect(t.transpile(input, { fileName: "/tmp/cached.ts" })).to.deep.equal(fresh);
      expect(JSON.parse(fs.readFileSync(file, "utf8"))).to.deep.equal(fresh);
      process.env.TS_TRANSPILE_CACHE = "off";
      fs.writeFileSync(file, JSON.stringify({ outputText: "// kept\n", sourceMapText: "{}" }));
      const withoutCache = listing();
      expect(t.transpile(input, { fileName: "/tmp/cached.ts" })).to.deep.equal(fresh);
      expect(t.transpile(`${input}// changed\n`, { fileName: "/tmp/cached.ts" }).outputText).to.include("const nonce = ");
      expect(listing()).to.deep.equal(withoutCache);
    } finally {
      delete process.env.TS_TRANSPILE_CACHE;
      for (const f of [...listing()].filter((f) => !before.has(f))) fs.rmSync(path.join(transpiler.CACHE, f), { force: true });
    }
  });
});
