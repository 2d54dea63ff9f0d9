import { expect } from "chai";
import fs from "fs";
import os from "os";
import path from "path";
import hre, { ethers } from "hardhat";
import { encryptKeystoreJson, verifyMessage, verifyTypedData, Wallet } from "ethers";
import { openSigner, SignerError } from "../../lib/signers";
import { NetworkSigner, networkSigners } from "../../lib/signers/accounts";
import { createKeystore } from "../../lib/signers/keystore";
import { readSecretFile } from "../../lib/signers/secret";
import { parseSignerList, readSignerFile } from "../../lib/signers/spec";

/** scrypt cost for tests: 2^10 instead of 2^17 (the format and the code path are the same). */
const N = 1 << 10;

describe("signers: accounts file and the keystore backend", function () {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "signers-"));
  const passwordFile = path.join(dir, "password");
  const wallet = new Wallet(`0x${"42".repeat(32)}`);
  const keystore = path.join(dir, "compliance.json");

  before(async function () {
    fs.writeFileSync(passwordFile, "correct horse battery\n", { mode: 0o600 });
    fs.writeFileSync(keystore, await encryptKeystoreJson({ address: wallet.address, privateKey: wallet.privateKey }, "correct horse battery", { scrypt: { N } }));
  });

  after(function () {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  describe("accounts file (SIGNERS_FILE)", function () {
    it("reads each account's backend and fields, paths relative to the file", function () {
      const file = path.join(dir, "accounts.json");
      fs.writeFileSync(file, JSON.stringify({ accounts: [
        { name: "admin", backend: "pkcs11", module: "/usr/lib/softhsm/libsofthsm2.so", token: "duties", key: "admin-2026", pinFile: "pin" },
        { name: "compliance", backend: "keystore", file: "compliance.json", passwordFile: "/run/secrets/c" },
        { name: "guardian", backend: "external", url: "http://127.0.0.1:8550", address: wallet.address.toLowerCase() },
      ] }));
      expect(readSignerFile(file)).to.deep.equal([
        { name: "admin", backend: "pkcs11", module: "/usr/lib/softhsm/libsofthsm2.so", token: "duties", key: "admin-2026", pinFile: path.join(dir, "pin") },
        { name: "compliance", backend: "keystore", file: keystore, passwordFile: "/run/secrets/c" },
        { name: "guardian", backend: "external", url: "http://127.0.0.1:8550", address: wallet.address },
      ]);
    });

    it("names the file, the account and the field of every mistake, and refuses a secret written into the file", function () {
      const what = "SIGNERS_FILE a.json";
      const refused = (accounts: unknown) => () => parseSignerList(accounts, what);
      expect(refused([])).to.throw(`${what}: "accounts" must be a non-empty list of accounts`);
      expect(refused([{ backend: "keystore", file: "k" }])).to.throw(`${what}: account 0 has no "name"`);
      expect(refused([{ name: "a", backend: "hsm" }])).to.throw(`${what}: account 0 ("a"): "backend" is "hsm"; expected one of pkcs11, keystore, external`);
      expect(refused([{ name: "a", backend: "keystore", file: "k" }, { name: "a", backend: "keystore", file: "k" }])).to.throw(`${what}: account 1 ("a"): the name is used by an earlier account`);
      expect(refused([{ name: "a", backend: "pkcs11", module: "m", token: "t" }])).to.throw(`${what}: account 0 ("a"): "key" must be a non-empty string`);
      expect(refused([{ name: "a", backend: "pkcs11", module: "m", token: "t", key: "k", pin: "1234" }])).to.throw(`${what}: account 0 ("a"): "pin" would put a secret in the file; give a "pinFile" or let the command ask at the terminal`);
      expect(refused([{ name: "a", backend: "keystore", file: "k", password: "x" }])).to.throw(`${what}: account 0 ("a"): "password" would put a secret in the file; give a "passwordFile" or let the command ask at the terminal`);
      expect(refused([{ name: "a", backend: "keystore", file: "k", label: "x" }])).to.throw(`${what}: account 0 ("a"): unknown field "label" for backend keystore (fields: file, passwordFile)`);
      expect(refused([{ name: "a", backend: "external", url: "http://x", address: "0x12" }])).to.throw(`${what}: account 0 ("a"): "address" 0x12 is not an address`);
      expect(refused([{ name: "a", backend: "external", url: "ftp://x", address: wallet.address }])).to.throw(`${what}: account 0 ("a"): "url" ftp://x is not an http(s) URL`);
    });

    it("reads a secret file's first line and refuses one that others can read, an empty one and a missing one", function () {
      expect(readSecretFile(passwordFile, "the PIN")).to.equal("correct horse battery");
      const open = path.join(dir, "open");
      fs.writeFileSync(open, "x", { mode: 0o644 });
      fs.chmodSync(open, 0o644);
      expect(() => readSecretFile(open, "the PIN")).to.throw(`the PIN: file ${open} can be read by others (mode 644); chmod 600 it`);
      const empty = path.join(dir, "empty");
      fs.writeFileSync(empty, "\n", { mode: 0o600 });
      expect(() => readSecretFile(empty, "the PIN")).to.throw(`the PIN: file ${empty} is empty`);
      expect(() => readSecretFile(path.join(dir, "none"), "the PIN")).to.throw(`the PIN: file ${path.join(dir, "none")} does not exist`);
    });
  });

  describe("keystore backend", function () {
    it("signs transactions, EIP-712 data and messages with the decrypted key, on the connected chain", async function () {
      const signer = await openSigner({ name: "compliance", backend: "keystore", file: keystore, passwordFile }, ethers.provider);
      expect(await signer.getAddress()).to.equal(wallet.address);
      const domain = { name: "Test", version: "1", chainId: 31337, verifyingContract: wallet.address };
      const types = { Pay: [{ name: "amount", type: "uint256" }] };
      const signature = await signer.signTypedData(domain, types, { amount: 5n });
      expect(verifyTypedData(domain, types, { amount: 5n }, signature)).to.equal(wallet.address);
      expect(verifyMessage("hello", await signer.signMessage("hello"))).to.equal(wallet.address);
      const [funder] = await ethers.getSigners();
      await (await funder.sendTransaction({ to: wallet.address, value: 10n ** 18n })).wait();
      const tx = await signer.sendTransaction({ to: funder.address, value: 1000n, type: 0 });
      const receipt = await tx.wait();
      expect(receipt!.status).to.equal(1);
      const mined = await ethers.provider.getTransaction(tx.hash);
      expect(mined!.from).to.equal(wallet.address);
      expect(mined!.chainId).to.equal(31337n);
    });

    it("names the account and the problem in one line: wrong password, missing file, not a keystore, no password file", async function () {
      const wrong = path.join(dir, "wrong");
      fs.writeFileSync(wrong, "not the password\n", { mode: 0o600 });
      const notKeystore = path.join(dir, "not-keystore.json");
      fs.writeFileSync(notKeystore, JSON.stringify({ version: 1 }));
      const cases: [Record<string, string>, string][] = [
        [{ file: keystore, passwordFile: wrong }, "wrong password (the keystore's MAC does not match)"],
        [{ file: path.join(dir, "missing.json"), passwordFile }, "the keystore file does not exist"],
        [{ file: notKeystore, passwordFile }, "the file is not a version 3 encrypted keystore (Web3 Secret Storage)"],
        [{ file: passwordFile, passwordFile }, "the keystore file is not JSON"],
        [{ file: keystore, passwordFile: path.join(dir, "nopw") }, `password: file ${path.join(dir, "nopw")} does not exist`],
      ];
      for (const [fields, problem] of cases) {
        const spec = { name: "compliance", backend: "keystore" as const, file: fields.file, passwordFile: fields.passwordFile };
        const error = await openSigner(spec, null).then(() => undefined, (e: unknown) => e);
        expect(error, problem).to.be.instanceOf(SignerError);
        expect((error as SignerError).code).to.equal("SIGNER");
        expect((error as Error).message).to.equal(`account "compliance" (keystore ${fields.file}): ${problem}; nothing was sent`);
      }
    });

    it("gives the commands the accounts of SIGNERS_FILE in order, each opened only when it signs, with the network's fixed gas price", async function () {
      const second = new Wallet(`0x${"43".repeat(32)}`);
      const secondFile = path.join(dir, "second.json");
      fs.writeFileSync(secondFile, await encryptKeystoreJson({ address: second.address, privateKey: second.privateKey }, "correct horse battery", { scrypt: { N } }));
      const file = path.join(dir, "network-accounts.json");
      fs.writeFileSync(file, JSON.stringify({ accounts: [
        { name: "admin", backend: "keystore", file: "second.json", passwordFile: "absent" },
        { name: "compliance", backend: "keystore", file: "compliance.json", passwordFile: "password" },
      ] }));
      const before = process.env.SIGNERS_FILE;
      process.env.SIGNERS_FILE = file;
      try {
        const signers = await networkSigners(hre);
        expect(await Promise.all(signers.map((s) => s.getAddress()))).to.deep.equal([second.address, wallet.address]);
        expect(signers[0]).to.be.instanceOf(NetworkSigner);
        expect((signers[0] as NetworkSigner).address).to.equal(second.address);
        expect(await networkSigners(hre)).to.equal(signers);
        // The in-process network's gas price is fixed (hardhat.config.ts: 0, as on the QBFT network; coverage sets its own).
        const fixed = BigInt(hre.network.config.gasPrice as number);
        const populated = await signers[1].populateTransaction({ to: second.address, value: 1n });
        expect([populated.gasPrice, populated.type]).to.deep.equal([fixed, 0]);
        const tx = await signers[1].sendTransaction({ to: second.address, value: 1n });
        expect((await tx.wait())!.status).to.equal(1);
        expect(tx.gasPrice).to.equal(fixed);
        // The admin's password file is absent: the admin's keystore is opened only when the admin signs.
        const refused = await signers[0].signMessage("x").then(() => undefined, (e: unknown) => e as Error);
        expect(refused?.message).to.equal(`account "admin" (keystore ${secondFile}): password: file ${path.join(dir, "absent")} does not exist; nothing was sent`);
      } finally {
        if (before === undefined) delete process.env.SIGNERS_FILE;
        else process.env.SIGNERS_FILE = before;
      }
      expect((await networkSigners(hre))[0]).to.not.be.instanceOf(NetworkSigner);
    });

    it("writes a new keystore at mode 600 that opens with its password, and never overwrites a file", async function () {
      const file = path.join(dir, "new.json");
      const address = await createKeystore(file, "correct horse battery", N);
      expect(fs.statSync(file).mode & 0o777).to.equal(0o600);
      const signer = await openSigner({ name: "new", backend: "keystore", file, passwordFile }, null);
      expect(await signer.getAddress()).to.equal(address);
      await expectRejection(createKeystore(file, "correct horse battery", N), `${file} exists already: a keystore is never overwritten`);
      await expectRejection(createKeystore(path.join(dir, "short.json"), "short", N), "a keystore password needs at least 8 characters");
    });
  });
});

async function expectRejection(promise: Promise<unknown>, message: string): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect((error as Error | undefined)?.message).to.equal(message);
}
