import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import hre from "hardhat";
import { createSoftHsmTokens, softHsmInstalled, SoftHsmToken } from "../signers/softhsm";
import { readmeBlock } from "./session";

const ROOT = path.join(__dirname, "..", "..");
const MARKER = "<!-- keys-session: run as written by test/readme/keys.test.ts -->";

/**
 * The README's key ceremony, as written: a key generated in a SoftHSM2 token labelled bank-duties, a new
 * keystore, and keys:list over the accounts file made of the entries the two commands printed. The PIN
 * and password files are the ones the README names, under keys/ (ignored by git), removed afterwards.
 */
describe("README key ceremony (Keys in custody), as written", function () {
  this.timeout(300_000);
  const keys = path.join(ROOT, "keys");
  const files = ["hsm.pin", "ops-desk.password", "ops-desk.json", "accounts.json"].map((f) => path.join(keys, f));
  let hsm: { token: SoftHsmToken; remove: () => void } | undefined;
  let madeDir = false;

  before(function () {
    if ((hre as unknown as { __SOLIDITY_COVERAGE_RUNNING?: boolean }).__SOLIDITY_COVERAGE_RUNNING) this.skip();
    if (!softHsmInstalled()) {
      console.log("      skipped: softhsm2-util is not installed (apt-get install softhsm2 opensc)");
      this.skip();
    }
    for (const f of files) if (fs.existsSync(f)) throw new Error(`${f} exists: this test would overwrite it`);
    madeDir = !fs.existsSync(keys);
    fs.mkdirSync(keys, { recursive: true });
    hsm = createSoftHsmTokens(["bank-duties"]);
    fs.writeFileSync(files[0], `${hsm.token.pin}\n`, { mode: 0o600 });
    fs.writeFileSync(files[1], "ops desk keystore password\n", { mode: 0o600 });
  });

  after(function () {
    hsm?.remove();
    for (const f of files) fs.rmSync(f, { force: true });
    if (madeDir) fs.rmSync(keys, { recursive: true, force: true });
  });

  it("generates the HSM key and the keystore, and lists both from the accounts file of their entries", function () {
    const commands = readmeBlock(fs.readFileSync(path.join(ROOT, "README.md"), "utf8").replace(/\\\n\s*/g, ""), MARKER);
    expect(commands).to.have.length(3);
    const env: NodeJS.ProcessEnv = { ...process.env };
    delete env.SIGNERS_FILE;
    const runLine = (line: string) => {
      const r = spawnSync("bash", ["-c", line], { cwd: ROOT, env, encoding: "utf8" });
      expect(r.status, `${line}\n${r.stdout}\n${r.stderr}`).to.equal(0);
      return r.stdout.trim().split("\n");
    };
    const entries: unknown[] = [];
    const addresses: string[] = [];
    for (const line of commands.slice(0, 2)) {
      const [described, entry] = runLine(line);
      addresses.push(/address (0x[0-9a-fA-F]{40})$/.exec(described)![1]);
      entries.push(JSON.parse(entry.replace(/^add to the accounts file \(SIGNERS_FILE\): /, "")));
    }
    expect(entries).to.deep.equal([
      { name: "issuer-2026", backend: "pkcs11", module: "/usr/lib/softhsm/libsofthsm2.so", token: "bank-duties", key: "issuer-2026", pinFile: files[0] },
      { name: "ops-desk", backend: "keystore", file: files[2], passwordFile: files[1] },
    ]);
    expect(fs.statSync(files[2]).mode & 0o777).to.equal(0o600);
    fs.writeFileSync(files[3], JSON.stringify({ accounts: entries }, null, 2));
    const listed = runLine(commands[2]);
    expect(listed[0]).to.match(/^roles not shown: no deployment for network "localhost"/);
    expect(listed[1]).to.match(/^#\s+name\s+backend\s+key\s+address\s+roles$/);
    expect(listed[2]).to.match(new RegExp(`^0\\s+issuer-2026\\s+pkcs11\\s+key "issuer-2026" on token "bank-duties" \\(not extractable\\)\\s+${addresses[0]}\\s+-$`));
    expect(listed[3]).to.match(new RegExp(`^1\\s+ops-desk\\s+keystore\\s+${files[2].replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s+${addresses[1]}\\s+-$`));
  });
});
