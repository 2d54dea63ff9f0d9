import { expect } from "chai";
import { ChildProcess, spawn } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { freePort, startHardhatNode } from "../helpers/node";
import type { CommandServer } from "../helpers/commands";
import { expectSessionOutcomes, holdSessionFiles, readmeBlock, readmeSession, runSession, sessionServer, UPGRADE_MARKER } from "./session";

const ROOT = path.join(__dirname, "..", "..");
const CLIENT_MARKER = "<!-- client-session: run as written by test/readme/session.test.ts -->";

/**
 * The README's operator session, run exactly as written (each line through bash, with the variables the
 * session sets), against a separate `hardhat node` on a free port in 8600-8699 that `localhost` reaches
 * through RPC_TEST_PORT. A line the README marks with an error must fail with that one line; every other
 * line must succeed.
 */
describe("README operator session, as written, against a separate node", function () {
  this.timeout(900_000);
  const steps = readmeSession(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"));
  const deployments = fs.mkdtempSync(path.join(os.tmpdir(), "readme-deployments-"));
  const signedFiles = ["TRADE-0002.seller.json", "TRADE-0002.buyer.json", "PAY-0100.json", "PAY-0007.json", "FX-0001.seller.json", "FX-0001.buyer.json", "Q-0001.json"].map((f) => path.join(ROOT, "signed", f));
  let node: ChildProcess | undefined;
  let client: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let release: (() => void) | undefined;
  // One command server for both sessions (the operator session, then the upgrade).
  let served: { server: Promise<CommandServer>; stop: () => Promise<void> } | undefined;

  before(async function () {
    // Under `npm run coverage` the artifacts are instrumented (too large for a standalone node): the
    // session tests the commands, which `npm test` runs.
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    release = await holdSessionFiles();
    const port = await freePort(8600, 8699);
    env = { ...process.env, RPC_TEST_PORT: String(port), DEPLOYMENTS_DIR: deployments, LEDGER_DIR: path.join(deployments, "ledger") };
    for (const v of ["BANK_NAME", "BANK_BIC", "BANK_LEI", "DATABASE_URL"]) delete env[v];
    fs.rmSync(path.join(ROOT, "statements", "localhost"), { recursive: true, force: true });
    delete env.SIGNED_DIR;
    delete env.HARDHAT_NETWORK;
    for (const f of signedFiles) fs.rmSync(f, { force: true });
    node = await startHardhatNode(port, env);
    served = sessionServer(env);
  });

  after(async function () {
    await served?.stop();
    // The client server runs under npm in a process group of its own: stop that group by its leader's pid.
    if (client?.pid && client.exitCode === null) process.kill(-client.pid);
    if (node?.pid) process.kill(node.pid);
    fs.rmSync(deployments, { recursive: true, force: true });
    for (const f of signedFiles) fs.rmSync(f, { force: true });
    fs.rmSync(path.join(ROOT, "statements", "localhost"), { recursive: true, force: true });
    release?.();
  });

  it("finds the session in README.md: a deployment, both DvP flows and the approvals they need", function () {
    const commands = steps.map((s) => s.command).join("\n");
    for (const needed of ["npm run deploy", "token:attest", "token:approve-issuance", "dvp:fund", "dvp:sign", "security:approve", "token:permit", "dvp:settle-signed", "payment:sign", "payment:settle-batch", "--asset-currency EUR", "fx:quote", "fx:pay"]) {
      expect(commands).to.include(needed);
    }
    expect(steps.filter((s) => s.expectedError)).to.have.length(2);
  });

  it("runs every command as written: each succeeds, or fails with the one line the README shows", async function () {
    const outputs = await runSession(steps, env, served!.server);
    expect(outputs["npx hardhat participant:list"]).to.match(/^Acme Treasury Ltd \(LEI 5493001KJTIIGC8Y1R12\)\s+Active\s+2027-12-31T23:59:59Z\s+0x976EA74026E726554dB657fA54763abd0C3a0aa9/m);
    expect(outputs["npx hardhat participant:list"]).to.match(/^Globex Markets Ltd \(LEI 529900T8BM49AURSDO55\)\s+Active/m);
    expect(outputs["npx hardhat participant:rename"]).to.include("participant Globex Markets (LEI 529900T8BM49AURSDO55) is now Globex Markets Ltd (LEI 529900T8BM49AURSDO55)");
    expect(outputs["npx hardhat token:approve-issuance"]).to.include("proposal 1 approved by 0x71bE63f3384f5fb98995898A86B02Fb2426c5788 and executed");
    expectSessionOutcomes(outputs);
  });

  it("upgrades the token as the README's Upgrades section says, from an earlier implementation to this tree's DepositToken", async function () {
    // The deployment's token runs another implementation than this tree's DepositToken, as after a release.
    const earlier = ["upgrade:schedule --contract DepositToken:USD --implementation DepositTokenV2Mock", "upgrade:execute --contract DepositToken:USD"].map((args) => ({ command: `npx hardhat ${args} --network localhost` }));
    const outputs = await runSession([...earlier, ...readmeSession(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), UPGRADE_MARKER)], env, served!.server);
    expect(outputs["npx hardhat upgrade:schedule"]).to.match(/^upgrade 0x[0-9a-f]{64} scheduled: DepositToken:USD -> 0x[0-9a-fA-F]{40}, executable from /m);
    expect(outputs["npx hardhat upgrade:list"]).to.match(/DepositToken:USD -> 0x[0-9a-fA-F]{40}\s+Ready/);
    const implementation = /DepositToken:USD -> (0x[0-9a-fA-F]{40})/.exec(outputs["npx hardhat upgrade:schedule"])![1];
    expect(outputs["npx hardhat upgrade:execute"]).to.include(`executed: DepositToken:USD now runs ${implementation}`);
    const record = JSON.parse(fs.readFileSync(path.join(deployments, "localhost.json"), "utf8")) as { contracts: Record<string, { implementation?: string }> };
    expect(record.contracts["DepositToken:USD"].implementation).to.equal(implementation);
    const status = await (await served!.server).run(["status", "--network", "localhost"]);
    expect([status.status, status.stderr]).to.deep.equal([0, ""]);
    expect(status.stdout).to.match(/supply\s+1,150,000\.00 USD/);
  });

  it("serves the client page as the README's Client wallet section says, with this deployment's addresses", async function () {
    const commands = readmeBlock(fs.readFileSync(path.join(ROOT, "README.md"), "utf8"), CLIENT_MARKER);
    expect(commands).to.deep.equal(["npm run client -- --network localhost"]);
    client = spawn("bash", ["-c", commands[0]], { cwd: ROOT, env, detached: true, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    client.stdout!.on("data", (d: Buffer) => { output += d.toString(); });
    client.stderr!.on("data", (d: Buffer) => { output += d.toString(); });
    for (let i = 0; i < 240 && !/http:\/\/127\.0\.0\.1:\d+\//.test(output) && client.exitCode === null; i++) await new Promise((r) => setTimeout(r, 250));
    const url = /client page for network "localhost" \(chain id 31337, bundle \d+ bytes\): (http:\/\/127\.0\.0\.1:(\d+)\/)/.exec(output);
    expect(url, output).to.not.equal(null);
    expect(Number(url![2])).to.be.within(8700, 8799);
    const page = await fetch(url![1]);
    expect(page.status).to.equal(200);
    expect(await page.text()).to.include("<title>Deposit token: client wallet</title>");
    const config = (await (await fetch(`${url![1]}deployment.json`)).json()) as { chainId: number; registry: { address: string } };
    const record = JSON.parse(fs.readFileSync(path.join(deployments, "localhost.json"), "utf8")) as { contracts: Record<string, { address: string }> };
    expect(config.chainId).to.equal(31337);
    expect(config.registry.address).to.equal(record.contracts.ParticipantRegistry.address);
    expect((await fetch(`${url![1]}app.js`)).status).to.equal(200);
    process.kill(-client.pid!);
    for (let i = 0; i < 40 && client.exitCode === null && client.signalCode === null; i++) await new Promise((r) => setTimeout(r, 250));
    expect(client.exitCode !== null || client.signalCode !== null, "the client server stopped").to.equal(true);
  });
});
