import { expect } from "chai";
import { ChildProcess } from "child_process";
import fs from "fs";
import os from "os";
import path from "path";
import hre from "hardhat";
import { JsonRpcProvider, toBeHex } from "ethers";
import { developmentKey, developmentKeystore, DUTY_KEY_LABELS } from "../signers/accounts-file";
import { createSoftHsmTokens, softHsmInstalled, SoftHsmToken } from "../signers/softhsm";
import { freePort, startHardhatNode } from "../helpers/node";
import { CommandServer, startCommandServer } from "../helpers/commands";
import { seedLedgerDir } from "../helpers/ledger";
import { expectSessionOutcomes, holdSessionFiles, MARKER, readmeSession, runSession, sessionServer } from "./session";

const ROOT = path.join(__dirname, "..", "..");


/**
 * The README's operator session, every command as written, with every duty key inside an HSM: the keys are
 * generated in a SoftHSM2 token by `keys:generate` (the key ceremony), the accounts file (SIGNERS_FILE)
 * names them in the development layout (duties on accounts 0 to 5, 10 and 11), and the clients Acme and
 * Globex sign from encrypted keystores of their usual keys. A refusal the README shows names the
 * proposing officer by its development address: here it is the HSM key's.
 */
describe("README operator session with every duty key in an HSM (SoftHSM2 over PKCS#11)", function () {
  this.timeout(900_000);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "readme-hsm-"));
  const deployments = path.join(work, "deployments");
  const signedFiles = ["TRADE-0002.seller.json", "TRADE-0002.buyer.json", "PAY-0100.json", "PAY-0007.json", "FX-0001.seller.json", "FX-0001.buyer.json", "Q-0001.json"].map((f) => path.join(ROOT, "signed", f));
  let hsm: { token: SoftHsmToken; remove: () => void } | undefined;
  let node: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;
  let release: (() => void) | undefined;
  const addresses = new Map<number, string>();
  // The session's command server, started with SIGNERS_FILE once the ceremony has made the keys.
  let served: { server: Promise<CommandServer>; stop: () => Promise<void> } | undefined;

  async function hardhat(args: string[]) {
    const r = await (await served!.server).run([...args, "--network", "localhost"]);
    return { status: r.status, stdout: r.stdout.trim(), stderr: r.stderr.trim() };
  }

  before(async function () {
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    if (!softHsmInstalled()) {
      console.log("      skipped: softhsm2-util is not installed (apt-get install softhsm2 opensc)");
      this.skip();
    }
    hsm = createSoftHsmTokens(["bank-duties"]);
    release = await holdSessionFiles();
    const port = await freePort(8600, 8699);
    env = { ...process.env, RPC_TEST_PORT: String(port), DEPLOYMENTS_DIR: deployments, SOFTHSM2_CONF: process.env.SOFTHSM2_CONF, LEDGER_DIR: path.join(work, "ledger") };
    // A new, empty ledger (the operator session of session.test.ts has its sync create one, as a user's does).
    await seedLedgerDir(env.LEDGER_DIR!);
    for (const v of ["SIGNED_DIR", "HARDHAT_NETWORK", "SIGNERS_FILE", "DEPLOYER_PRIVATE_KEY", "OPERATOR_PRIVATE_KEYS", "BANK_NAME", "BANK_BIC", "BANK_LEI", "DATABASE_URL"]) delete env[v];
    fs.rmSync(path.join(ROOT, "statements", "localhost"), { recursive: true, force: true });
    for (const f of signedFiles) fs.rmSync(f, { force: true });
    node = await startHardhatNode(port, env);
  });

  after(async function () {
    await served?.stop();
    if (node?.pid && node.exitCode === null) process.kill(node.pid);
    hsm?.remove();
    fs.rmSync(work, { recursive: true, force: true });
    for (const f of signedFiles) fs.rmSync(f, { force: true });
    fs.rmSync(path.join(ROOT, "statements", "localhost"), { recursive: true, force: true });
    release?.();
  });

  it("generates each duty key inside the token with keys:generate, none extractable, and lists the accounts with keys:list", async function () {
    const token = hsm!.token;
    const accounts: Record<string, unknown>[] = [];
    // The ceremony's command lines run one after another in one Hardhat process (their start-up is startup.test's).
    const ceremony = await startCommandServer("localhost", env);
    try {
      for (const [index, label] of DUTY_KEY_LABELS) {
        const r = await ceremony.run(["keys:generate", "--backend", "pkcs11", "--module", token.module, "--token", token.token, "--label", label, "--pin-file", token.pinFile, "--json", "--network", "localhost"]);
        expect(r.stderr.trim(), label).to.equal("");
        expect(r.status, label).to.equal(0);
        const generated = JSON.parse(r.stdout) as { address: string; account: Record<string, unknown> };
        expect(generated.account).to.deep.equal({ name: label, backend: "pkcs11", module: token.module, token: token.token, key: label, pinFile: token.pinFile });
        addresses.set(index, generated.address);
        accounts[index] = generated.account;
      }
    } finally {
      await ceremony.stop();
    }
    // Acme and Globex (accounts 6 and 7) and the other example clients sign from encrypted keystores of their usual keys.
    for (const index of [6, 7, 8, 9]) {
      const { spec, address } = await developmentKeystore(index, work);
      accounts[index] = { ...spec };
      addresses.set(index, address);
    }
    const signersFile = path.join(work, "accounts.json");
    fs.writeFileSync(signersFile, JSON.stringify({ accounts }, null, 2));
    env.SIGNERS_FILE = signersFile;
    served = sessionServer(env);
    // The HSM keys are new accounts: the node gives them gas money, as a bank's network gives its accounts.
    const rpc = new JsonRpcProvider(`http://127.0.0.1:${env.RPC_TEST_PORT}`, 31337, { staticNetwork: true, cacheTimeout: -1 });
    for (const index of DUTY_KEY_LABELS.keys()) await rpc.send("hardhat_setBalance", [addresses.get(index), toBeHex(10n ** 21n)]);
    rpc.destroy();
    const listed = await hardhat(["keys:list", "--json"]);
    expect([listed.status, listed.stderr]).to.deep.equal([0, ""]);
    const json = JSON.parse(listed.stdout) as { deployment: string | null; accounts: { index: number; backend: string; address: string; extractable: boolean | null }[] };
    expect(json.deployment).to.equal(null);
    const client = (i: number) => i >= 6 && i <= 9;
    expect(json.accounts.map((a) => [a.index, a.backend, a.address, a.extractable])).to.deep.equal(
      [...Array(12).keys()].map((i) => [i, client(i) ? "keystore" : "pkcs11", addresses.get(i), client(i) ? null : false]));
  });

  it("runs every command of the README's session as written, signing each duty in the HSM", async function () {
    expect(env.SIGNERS_FILE, "the keys were generated").to.be.a("string");
    let readme = fs.readFileSync(path.join(ROOT, "README.md"), "utf8");
    // The README's refusals show the duty accounts' development addresses (by their first characters).
    readme = readme.replace(/^#\s+error: .*$/gm, (line) => {
      let rewritten = line;
      for (const index of DUTY_KEY_LABELS.keys()) {
        const dev = developmentKey(index).address.slice(0, 6);
        rewritten = rewritten.replaceAll(`${dev}...`, `${addresses.get(index)!.slice(0, 6)}...`);
      }
      return rewritten;
    });
    expect(readme.split(MARKER)[1]).to.include(`SelfApproval: ${addresses.get(2)!.slice(0, 6)}...`);
    const outputs = await runSession(readmeSession(readme), env, served!.server);
    expect(outputs["npx hardhat token:approve-issuance"]).to.include(`proposal 1 approved by ${addresses.get(11)} and executed`);
    expectSessionOutcomes(outputs);

    // On chain, the duties are the HSM keys'.
    const listed = JSON.parse((await hardhat(["keys:list", "--json"])).stdout) as { deployment: string; accounts: { index: number; roles: string[] }[] };
    const rolesOf = (i: number) => listed.accounts.find((a) => a.index === i)!.roles;
    expect(listed.deployment).to.equal("localhost");
    expect(rolesOf(0)).to.include("DEFAULT_ADMIN_ROLE on DepositToken:USD");
    expect(rolesOf(2)).to.include("ISSUER_ROLE on IssuanceDesk:USD");
    expect(rolesOf(11)).to.include("ISSUER_ROLE on IssuanceDesk:USD");
    expect(rolesOf(1)).to.include("COMPLIANCE_ROLE on ParticipantRegistry");
    expect(rolesOf(6)).to.deep.equal([]);
  });
});
