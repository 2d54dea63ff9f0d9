import { expect } from "chai";
import { ChildProcess, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { freePort, startHardhatNode } from "../helpers/node";

const ROOT = path.join(__dirname, "..", "..");
const ACME = "0x976EA74026E726554dB657fA54763abd0C3a0aa9";
const GLOBEX = "0x14dC79964da2C08b23698B3D3cc7Ca32193d9955";

/**
 * The `rpc` network without a signing key, as a monitoring or back-office user has it: RPC_URL points at a
 * separate `hardhat node` on which the suite was deployed (through `rpc` with the development keys).
 */
describe("read-only commands on a network configured without signing keys", function () {
  this.timeout(600_000);
  const deployments = fs.mkdtempSync(path.join(os.tmpdir(), "readonly-deployments-"));
  let node: ChildProcess | undefined;
  let keyless: NodeJS.ProcessEnv;

  /** `npx hardhat <args> --network rpc` with an environment, as a user runs it (no display: one-line errors). */
  function hardhat(args: string[], env: NodeJS.ProcessEnv) {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), [...args, "--network", "rpc"], { cwd: ROOT, env, encoding: "utf8" });
    return { status: r.status, stderr: r.stderr.split("\n").filter((l) => l.trim() !== ""), stdout: r.stdout.trim() };
  }

  before(async function () {
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    const port = await freePort(8600, 8699);
    keyless = { ...process.env, RPC_URL: `http://127.0.0.1:${port}`, DEPLOYMENTS_DIR: deployments };
    for (const v of ["DEPLOYER_PRIVATE_KEY", "OPERATOR_PRIVATE_KEYS", "RPC_CHAIN_ID", "RPC_DEVELOPMENT", "HARDHAT_NETWORK", "DISPLAY", "WAYLAND_DISPLAY"]) delete keyless[v];
    node = await startHardhatNode(port, keyless);
    const developer = { ...keyless, RPC_DEVELOPMENT: "1" };
    for (const args of [
      ["run", "deploy/deploy.ts"],
      ["participant:onboard", "--id", "5493001KJTIIGC8Y1R12", "--wallets", ACME, "--kyc-expiry", "2099-12-31"],
      ["participant:onboard", "--id", "Globex Markets", "--wallets", GLOBEX, "--kyc-expiry", "2099-12-31"],
      ["security:issue", "--wallet", GLOBEX, "--units", "5000"],
      ["dvp:propose", "--from", GLOBEX, "--seller", GLOBEX, "--buyer", ACME, "--units", "1000", "--cash-amount", "180000.00", "--deadline", "2099-01-31", "--ref", "TRADE-0001"],
    ]) {
      const r = hardhat(args, developer);
      expect(r.status, `${args.join(" ")}: ${r.stderr.join("\n")}`).to.equal(0);
    }
  });

  after(function () {
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    fs.rmSync(deployments, { recursive: true, force: true });
  });

  it("status and every :balance, :list, :show, :redemptions, token:issuances and upgrade:list command work without DEPLOYER_PRIVATE_KEY", function () {
    const cases: [string[], RegExp][] = [
      [["status"], /USD/],
      [["participant:list"], /Globex Markets/],
      [["participant:show", "--id", "Globex Markets"], new RegExp(GLOBEX)],
      [["token:balance", "--wallet", ACME], new RegExp(`^${ACME}: 0\\.00 USD$`)],
      [["security:balance", "--wallet", GLOBEX], new RegExp(`^${GLOBEX}: 5,000 `)],
      [["token:redemptions"], /no pending redemptions/],
      [["token:issuances"], /^no proposals waiting for a second officer$/],
      [["dvp:list"], /TRADE-0001/],
      [["dvp:show", "--trade", "TRADE-0001"], /TRADE-0001/],
      [["upgrade:list"], /^no pending operation$/],
    ];
    for (const [args, output] of cases) {
      const r = hardhat(args, keyless);
      expect(r.stderr, args.join(" ")).to.deep.equal([]);
      expect(r.status, args.join(" ")).to.equal(0);
      expect(r.stdout, args.join(" ")).to.match(output);
    }
  });

  it("a command that signs names the missing DEPLOYER_PRIVATE_KEY in one line when it signs, and sends nothing", function () {
    const r = hardhat(["token:transfer", "--to", GLOBEX, "--amount", "1.00"], keyless);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal(["error: network rpc: DEPLOYER_PRIVATE_KEY not set: this command signs; read-only commands need no key"]);
  });

  it("token:balance without --wallet asks for --wallet when the network has no account of its own", function () {
    const r = hardhat(["token:balance"], keyless);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal(['error: --wallet is needed: network "rpc" has no account of its own (DEPLOYER_PRIVATE_KEY not set)']);
  });

  it("a node answering with another chain id than RPC_CHAIN_ID is named with both chain ids and the variable, not as a node that does not answer", function () {
    const r = hardhat(["status"], { ...keyless, RPC_CHAIN_ID: "4242" });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal([
      `error: network "rpc" at ${keyless.RPC_URL} answered with chain id 31337, but RPC_CHAIN_ID expects 4242: is it the intended node? (or correct RPC_CHAIN_ID); nothing was sent`,
    ]);
  });
});
