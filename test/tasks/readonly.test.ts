import { expect } from "chai";
import { ChildProcess, spawnSync } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { CommandServer, startCommandServer } from "../helpers/commands";
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
  let keylessServer: CommandServer | undefined;

  /** `npx hardhat <args> --network rpc` with an environment, as a user runs it (no display: one-line errors). */
  function hardhat(args: string[], env: NodeJS.ProcessEnv) {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), [...args, "--network", "rpc"], { cwd: ROOT, env, encoding: "utf8" });
    return { status: r.status, stderr: r.stderr.split("\n").filter((l) => l.trim() !== ""), stdout: r.stdout.trim() };
  }

  /**
   * The same command line run by a Hardhat process started once with `server`'s environment (the network's
   * configuration read from it as at any start), for the commands whose environment does not change.
   */
  async function served(server: CommandServer, args: string[]) {
    const r = await server.run([...args, "--network", "rpc"]);
    return { status: r.status, stderr: r.stderr.split("\n").filter((l) => l.trim() !== ""), stdout: r.stdout.trim() };
  }

  before(async function () {
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    const port = await freePort(8600, 8699);
    keyless = { ...process.env, RPC_URL: `http://127.0.0.1:${port}`, DEPLOYMENTS_DIR: deployments };
    for (const v of ["DEPLOYER_PRIVATE_KEY", "OPERATOR_PRIVATE_KEYS", "SIGNERS_FILE", "ALLOW_RAW_KEYS", "RPC_CHAIN_ID", "RPC_DEVELOPMENT", "HARDHAT_NETWORK", "DISPLAY", "WAYLAND_DISPLAY"]) delete keyless[v];
    node = await startHardhatNode(port, keyless);
    const developer = { ...keyless, RPC_DEVELOPMENT: "1" };
    // Both command servers start while the deployment runs: they read the deployment at each command.
    const servers = Promise.all([startCommandServer("rpc", developer), startCommandServer("rpc", keyless)]);
    const deployed = hardhat(["run", "deploy/deploy.ts"], developer);
    const [developerServer, keylessStarted] = await servers;
    keylessServer = keylessStarted;
    try {
      expect(deployed.status, deployed.stderr.join("\n")).to.equal(0);
      for (const args of [
        ["participant:onboard", "--id", "5493001KJTIIGC8Y1R12", "--wallets", ACME, "--kyc-expiry", "2099-12-31"],
        ["participant:onboard", "--id", "Globex Markets", "--wallets", GLOBEX, "--kyc-expiry", "2099-12-31"],
        ["security:issue", "--wallet", GLOBEX, "--units", "5000"],
        ["dvp:propose", "--from", GLOBEX, "--seller", GLOBEX, "--buyer", ACME, "--units", "1000", "--cash-amount", "180000.00", "--deadline", "2099-01-31", "--ref", "TRADE-0001"],
      ]) {
        const r = await served(developerServer, args);
        expect(r.status, `${args.join(" ")}: ${r.stderr.join("\n")}`).to.equal(0);
      }
    } finally {
      await developerServer.stop();
    }
  });

  after(async function () {
    await keylessServer?.stop();
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    fs.rmSync(deployments, { recursive: true, force: true });
  });

  it("status and every :balance, :list, :show, :redemptions, token:issuances and upgrade:list command work with no account configured", async function () {
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
      const r = await served(keylessServer!, args);
      expect(r.stderr, args.join(" ")).to.deep.equal([]);
      expect(r.status, args.join(" ")).to.equal(0);
      expect(r.stdout, args.join(" ")).to.match(output);
    }
  });

  it("a command that signs names SIGNERS_FILE in one line when it signs, and sends nothing", async function () {
    const r = await served(keylessServer!, ["token:transfer", "--to", GLOBEX, "--amount", "1.00"]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal(["error: network rpc has no account to sign with: set SIGNERS_FILE (an accounts file naming each account's HSM key, keystore or signing service); this command signs, read-only commands need no account"]);
  });

  it("refuses a raw key in DEPLOYER_PRIVATE_KEY on a network that is not a development network, even for a read-only command, unless ALLOW_RAW_KEYS=1", function () {
    const key = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d";
    const refused = hardhat(["status"], { ...keyless, DEPLOYER_PRIVATE_KEY: key });
    expect(refused.status).to.equal(1);
    expect(refused.stderr).to.deep.equal(["error: network rpc: DEPLOYER_PRIVATE_KEY holds a raw private key, refused on a network that is not a development network: give the accounts in SIGNERS_FILE (HSM, keystore or signing service), or set ALLOW_RAW_KEYS=1 for a test or throwaway network"]);
    const allowed = hardhat(["token:balance"], { ...keyless, DEPLOYER_PRIVATE_KEY: key, ALLOW_RAW_KEYS: "1" });
    expect(allowed.stderr).to.deep.equal([]);
    expect(allowed.stdout).to.equal("0x70997970C51812dc3A010C7d01b50e0d17dc79C8: 0.00 USD (not allowed: see participant:show)");
  });

  it("token:balance without --wallet asks for --wallet when the network has no account of its own", async function () {
    const r = await served(keylessServer!, ["token:balance"]);
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal(['error: --wallet is needed: network "rpc" has no account of its own (SIGNERS_FILE not set)']);
  });

  it("a node answering with another chain id than RPC_CHAIN_ID is named with both chain ids and the variable, not as a node that does not answer", function () {
    const r = hardhat(["status"], { ...keyless, RPC_CHAIN_ID: "4242" });
    expect(r.status).to.equal(1);
    expect(r.stderr).to.deep.equal([
      `error: network "rpc" at ${keyless.RPC_URL} answered with chain id 31337, but RPC_CHAIN_ID expects 4242: is it the intended node? (or correct RPC_CHAIN_ID); nothing was sent`,
    ]);
  });
});
