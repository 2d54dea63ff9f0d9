import { expect } from "chai";
import { spawnSync } from "child_process";
import hre from "hardhat";
import path from "path";
import { editDistance, hardhatErrorLine, nearestName } from "../../lib/cli/hardhat-errors";
import { requirePersistentNetwork } from "../../deploy/params";
import { spawnAll } from "../helpers/commands";

const ROOT = path.join(__dirname, "..", "..");

/** The environment of a user on a Linux machine without a display (where Hardhat prints stack traces). */
function userEnv(extra: NodeJS.ProcessEnv = {}) {
  const env = { ...process.env, ...extra };
  delete env.DISPLAY;
  delete env.WAYLAND_DISPLAY;
  return env;
}

const HARDHAT = path.join(ROOT, "node_modules", ".bin", "hardhat");

/** `npx hardhat <args>` as a user runs it on a Linux machine without a display. */
function hardhat(args: string[], extra: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(HARDHAT, args, { cwd: ROOT, env: userEnv(extra), encoding: "utf8" });
  return { status: r.status, stderr: r.stderr.split("\n").filter((l) => l.trim() !== ""), stdout: r.stdout.trim() };
}

/** `hardhat(args)` for several command lines, each its own process, started side by side; results in order. */
async function hardhatEach(list: string[][]) {
  const runs = await spawnAll(list.map((args) => ({ command: HARDHAT, args, env: userEnv() })));
  return runs.map((r) => ({ status: r.status, stderr: r.stderr.split("\n").filter((l) => l.trim() !== ""), stdout: r.stdout.trim() }));
}

describe("Hardhat's own errors on the command line", function () {
  this.timeout(120_000);

  it("are one line and exit code 1: unknown network, missing required option, unknown option, option=value", async function () {
    const cases: [string[], string][] = [
      [["participant:list", "--network", "nowhere"], 'error: network "nowhere" is not configured (configured: hardhat, localhost, qbft, rpc, besu); nothing was sent'],
      [["participant:onboard", "--wallets", "0x976EA74026E726554dB657fA54763abd0C3a0aa9"], "error: participant:onboard needs --id (npx hardhat help participant:onboard lists its options); nothing was sent"],
      [["participant:list", "--colour", "red"], "error: unknown option --colour (npx hardhat help participant:list lists its options); nothing was sent"],
      [["token:transfer", "--to", "0x976EA74026E726554dB657fA54763abd0C3a0aa9", "--amount=-5.00"], "error: --amount=-5.00: give an option's value after a space, as --amount -5.00; nothing was sent"],
    ];
    const runs = await hardhatEach(cases.map(([args]) => args));
    for (const [i, [args, line]] of cases.entries()) {
      const r = runs[i];
      expect(r.status, args.join(" ")).to.equal(1);
      expect(r.stderr, args.join(" ")).to.deep.equal([line]);
      expect(r.stdout, args.join(" ")).to.equal("");
    }
  });

  it("suggest the nearest command or option for a mistyped one: did you mean token:issue?", async function () {
    const cases: [string[], string][] = [
      [["token:isue", "--amount", "5.00"], "error: unknown command token:isue: did you mean token:issue? (npx hardhat help lists the commands); nothing was sent"],
      [["statsu"], "error: unknown command statsu: did you mean status? (npx hardhat help lists the commands); nothing was sent"],
      [["frobnicate"], "error: unknown command frobnicate (npx hardhat help lists the commands); nothing was sent"],
      [["token:issue", "--ammount", "5.00"], "error: unknown option --ammount: did you mean --amount? (npx hardhat help token:issue lists its options); nothing was sent"],
      [["participant:list", "--netwrk", "hardhat"], "error: unknown option --netwrk: did you mean --network? (npx hardhat help participant:list lists its options); nothing was sent"],
    ];
    const runs = await hardhatEach(cases.map(([args]) => args));
    for (const [i, [args, line]] of cases.entries()) {
      const r = runs[i];
      expect(r.status, args.join(" ")).to.equal(1);
      expect(r.stderr, args.join(" ")).to.deep.equal([line]);
    }
  });

  it("suggest a name only when it is within a third of the typed length (at least 2 edits) of it", function () {
    expect(editDistance("token:isue", "token:issue")).to.equal(1);
    expect(editDistance("kitten", "sitting")).to.equal(3);
    expect(nearestName("TOKEN:ISUE", ["token:issue", "token:transfer"])).to.equal("token:issue");
    expect(nearestName("--wallte", ["--wallet", "--from"])).to.equal("--wallet");
    expect(nearestName("issue", ["token:issue", "security:issue"])).to.equal(undefined);
    expect(nearestName("--from", ["--from", "--json"])).to.equal(undefined);
  });

  it("keep the stack trace for whoever asks for it with --show-stack-traces", function () {
    const r = hardhat(["participant:list", "--network", "nowhere", "--show-stack-traces"]);
    expect(r.status).to.equal(1);
    expect(r.stderr.length).to.be.greaterThan(2);
  });

  it("are put in words without their code", function () {
    expect(hardhatErrorLine("HH108: Cannot connect to the network localhost.\nPlease make sure", [])).to.equal("Cannot connect to the network localhost; nothing was sent");
  });
});

describe("npm run deploy without --network", function () {
  this.timeout(120_000);
  before(function () {
    // `hardhat run` compiles first: under `npm run coverage` it would overwrite the instrumented artifacts
    // every later test deploys. `npm test` runs these.
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
  });
  const refusal = 'network "hardhat" is in-process: the deployment would be gone when this command exits; deploy to a running node with --network localhost (after npx hardhat node --port 8645) or another configured network (or set DEPLOY_IN_PROCESS=1 if this is deliberate)';

  it("is refused in one line, exit code 1, suggesting --network localhost: the in-process chain is gone when it exits", function () {
    const r = hardhat(["run", "deploy/deploy.ts"], { DEPLOY_IN_PROCESS: "" });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal([`deploy failed: ${refusal}`]);
    expect(r.stdout).to.equal("");
  });

  it("goes ahead on the in-process network only with DEPLOY_IN_PROCESS=1, and on any other network", function () {
    expect(() => requirePersistentNetwork("hardhat", undefined)).to.throw(refusal);
    expect(() => requirePersistentNetwork("hardhat", "1")).to.not.throw();
    expect(() => requirePersistentNetwork("localhost", undefined)).to.not.throw();
  });
});
