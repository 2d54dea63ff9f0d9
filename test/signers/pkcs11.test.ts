import { expect } from "chai";
import { spawnSync } from "child_process";
import fs from "fs";
import path from "path";
import hre, { ethers } from "hardhat";
import * as pkcs11js from "pkcs11js";
import { computeAddress, keccak256, recoverAddress, Signature, Transaction, TypedDataEncoder } from "ethers";
import type { Failure } from "../../lib/failure";
import { openSigner, SignerError } from "../../lib/signers/index";
import {
  closePkcs11,
  describePkcs11Error,
  generatePkcs11Key,
  listPkcs11Keys,
  openPkcs11,
  Pkcs11Signer,
  toEthereumSignature,
} from "../../lib/signers/pkcs11";
import type { Pkcs11Spec } from "../../lib/signers/spec";
import type { PlainERC20 } from "../../typechain-types";
import { pkcs11Tool, SoftHsmToken, useSoftHsm, withTokenProcess } from "./softhsm";

const N = BigInt("0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141");
const digestOf = (i: number): string => keccak256(Buffer.from(`digest ${i}`));

/** Expects a SignerError (code SIGNER) whose one-line message is exactly `message`. */
async function rejectsWith(promise: Promise<unknown>, message: string): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "the promise was rejected").to.be.instanceOf(SignerError);
  expect([(error as SignerError).code, (error as SignerError).message]).to.deep.equal(["SIGNER", message]);
}

describe("PKCS#11 signer (SoftHSM2)", function () {
  const hsm = useSoftHsm("bank-duties", ["second-token"]);
  let t: SoftHsmToken;
  let issuerAddress: string;
  let complianceAddress: string;
  const spec = (key: string, more: Partial<Pkcs11Spec> = {}): Pkcs11Spec => ({
    name: more.name ?? "issuer",
    backend: "pkcs11",
    module: t.module,
    token: t.token,
    key,
    pinFile: t.pinFile,
    ...more,
  });
  const open = async (key: string, more: Partial<Pkcs11Spec> = {}): Promise<Pkcs11Signer> => openPkcs11(spec(key, more), ethers.provider);

  before(async function () {
    t = hsm();
    // Keys an operator could get wrong, made outside this process: another curve, another type, a label twice, a key that may not sign.
    pkcs11Tool(t, ["--keypairgen", "--key-type", "EC:prime256v1", "--label", "p256", "--id", "01"]);
    pkcs11Tool(t, ["--keypairgen", "--key-type", "rsa:1024", "--label", "rsa", "--id", "02"]);
    pkcs11Tool(t, ["--keypairgen", "--key-type", "EC:secp256k1", "--label", "twice", "--id", "03"]);
    pkcs11Tool(t, ["--keypairgen", "--key-type", "EC:secp256k1", "--label", "twice", "--id", "04"]);
    withTokenProcess(
      t,
      `const common = [{ type: pkcs11js.CKA_TOKEN, value: true }, { type: pkcs11js.CKA_LABEL, value: "no-sign" }, { type: pkcs11js.CKA_ID, value: Buffer.from("05", "hex") }];
       p.C_GenerateKeyPair(s, { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
         [...common, { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from("06052b8104000a", "hex") }, { type: pkcs11js.CKA_VERIFY, value: true }],
         [...common, { type: pkcs11js.CKA_PRIVATE, value: true }, { type: pkcs11js.CKA_SENSITIVE, value: true }, { type: pkcs11js.CKA_SIGN, value: false }, { type: pkcs11js.CKA_DERIVE, value: true }]);`,
    );
    issuerAddress = await generatePkcs11Key(spec("issuer-2026"));
    complianceAddress = await generatePkcs11Key(spec("compliance-2026", { name: "compliance" }));
  });

  describe("key ceremony", function () {
    it("generates the key inside the token as sensitive and never extractable, so the token refuses to reveal CKA_VALUE", function () {
      const seen = withTokenProcess(
        t,
        `const h = findOne(pkcs11js.CKO_PRIVATE_KEY, "issuer-2026");
         const flag = (type) => p.C_GetAttributeValue(s, h, [{ type }])[0].value[0] === 1;
         let value;
         try { p.C_GetAttributeValue(s, h, [{ type: pkcs11js.CKA_VALUE }]); value = "revealed"; } catch (e) { value = e.message; }
         out({ sensitive: flag(pkcs11js.CKA_SENSITIVE), extractable: flag(pkcs11js.CKA_EXTRACTABLE), alwaysSensitive: flag(pkcs11js.CKA_ALWAYS_SENSITIVE),
               neverExtractable: flag(pkcs11js.CKA_NEVER_EXTRACTABLE), token: flag(pkcs11js.CKA_TOKEN), sign: flag(pkcs11js.CKA_SIGN), value });`,
      );
      expect(seen).to.deep.equal({ sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true, token: true, sign: true, value: "CKR_ATTRIBUTE_SENSITIVE" });
    });

    it("derives the address from the public key's CKA_EC_POINT: keccak of the 64 bytes after the DER wrapping 04 41", async function () {
      const point = withTokenProcess(
        t,
        `out(p.C_GetAttributeValue(s, findOne(pkcs11js.CKO_PUBLIC_KEY, "issuer-2026"), [{ type: pkcs11js.CKA_EC_POINT }])[0].value.toString("hex"));`,
      ) as string;
      expect(point).to.match(/^044104[0-9a-f]{128}$/);
      expect(issuerAddress).to.equal(ethers.getAddress("0x" + keccak256("0x" + point.slice(6)).slice(-40)));
      expect(issuerAddress).to.equal(computeAddress("0x" + point.slice(4)));
      expect(await (await open("issuer-2026")).getAddress()).to.equal(issuerAddress);
    });

    it("refuses a key ceremony for a label already on the token", async function () {
      await rejectsWith(
        generatePkcs11Key(spec("issuer-2026")),
        'account "issuer" (pkcs11 key "issuer-2026" on token "bank-duties"): the label "issuer-2026" is already on token "bank-duties" (2 objects); a key ceremony never reuses a label; nothing was sent',
      );
    });

    it("lists every secp256k1 key pair on the token with its address, leaving out other curves and types", async function () {
      const keys = await listPkcs11Keys(t.module, t.token, t.pinFile);
      expect(keys.map((k) => k.label)).to.deep.equal(["compliance-2026", "issuer-2026", "no-sign", "twice", "twice"]);
      expect(keys.find((k) => k.label === "issuer-2026")).to.deep.equal({ label: "issuer-2026", address: issuerAddress, sensitive: true, extractable: false });
      expect(keys.find((k) => k.label === "compliance-2026")?.address).to.equal(complianceAddress);
    });

    it("names the token and the module when a key listing cannot open the token", async function () {
      const error = await listPkcs11Keys(t.module, "bank-dutes", t.pinFile).then(() => undefined, (e: unknown) => e as Failure);
      expect([error?.code, error?.message]).to.deep.equal([
        "SIGNER",
        `pkcs11 token "bank-dutes" (${t.module}): no token labelled "bank-dutes" on ${t.module} (tokens present: "bank-duties", "second-token")`,
      ]);
    });
  });

  describe("signatures", function () {
    it("normalises every signature to low s: the token returns a high s for some digests, replaced by n - s", async function () {
      const signer = await open("issuer-2026");
      const raws = Array.from({ length: 64 }, (_, i) => ({ digest: digestOf(i), raw: signer.signDigestRaw(digestOf(i)) }));
      const high = raws.filter(({ raw }) => BigInt("0x" + raw.subarray(32).toString("hex")) > N / 2n);
      expect(high.length, "raw HSM signatures with a high s").to.be.greaterThan(0);
      for (const { digest, raw } of high) {
        const normalised = toEthereumSignature(digest, raw, issuerAddress);
        expect(BigInt(normalised.s)).to.equal(N - BigInt("0x" + raw.subarray(32).toString("hex")));
        expect(normalised.r).to.equal("0x" + raw.subarray(0, 32).toString("hex"));
        expect(recoverAddress(digest, normalised)).to.equal(issuerAddress);
      }
      for (let i = 0; i < 64; i++) expect(BigInt(signer.signDigest(digestOf(i)).s) <= N / 2n, `signature ${i} has a low s`).to.equal(true);
    });

    it("finds the recovery id by recovery: both ids occur and each signature recovers to the key's address", async function () {
      const signer = await open("issuer-2026");
      const vs = new Set<number>();
      for (let i = 0; i < 32; i++) {
        const signature = signer.signDigest(digestOf(i));
        vs.add(signature.v);
        expect(recoverAddress(digestOf(i), signature)).to.equal(issuerAddress);
      }
      expect([...vs].sort()).to.deep.equal([27, 28]);
    });

    it("refuses a signature that recovers to neither recovery id instead of returning it", async function () {
      const signer = await open("issuer-2026");
      const raw = signer.signDigestRaw(digestOf(1));
      expect(() => toEthereumSignature(digestOf(1), raw, complianceAddress)).to.throw(
        `the HSM's signature does not recover to the key's address ${complianceAddress} (the public key object does not belong to the private key)`,
      );
      expect(() => toEthereumSignature(digestOf(1), raw.subarray(0, 63), issuerAddress)).to.throw("the HSM returned a signature of 63 bytes, not r||s of 64");
    });

    it("signs an EIP-191 message that ethers.verifyMessage attributes to the key", async function () {
      const signer = await open("issuer-2026");
      const signature = await signer.signMessage("attest reserves 2026-12-01");
      expect(ethers.verifyMessage("attest reserves 2026-12-01", signature)).to.equal(issuerAddress);
      expect(BigInt(Signature.from(signature).s) <= N / 2n).to.equal(true);
    });

    it("signs EIP-712 typed data that ethers.verifyTypedData attributes to the key", async function () {
      const signer = await open("issuer-2026");
      const domain = { name: "DvPEscrow", version: "1", chainId: 31337, verifyingContract: "0x" + "11".repeat(20) };
      const types = { Payment: [{ name: "payer", type: "address" }, { name: "amount", type: "uint256" }, { name: "reference", type: "string" }] };
      const value = { payer: issuerAddress, amount: 125_00n, reference: "INV-2026-001" };
      const signature = await signer.signTypedData(domain, types, value);
      expect(ethers.verifyTypedData(domain, types, value, signature)).to.equal(issuerAddress);
      expect(recoverAddress(TypedDataEncoder.hash(domain, types, value), signature)).to.equal(issuerAddress);
    });

    it("signs a legacy transaction for a chain id that parses back to the key's address and that chain id", async function () {
      const signer = await open("issuer-2026");
      const raw = await signer.signTransaction({ type: 0, chainId: 1337, nonce: 7, gasPrice: 10n ** 9n, gasLimit: 21_000, to: complianceAddress, value: 5n });
      const tx = Transaction.from(raw);
      expect([tx.type, tx.from, tx.chainId, tx.nonce, tx.to, tx.value]).to.deep.equal([0, issuerAddress, 1337n, 7, complianceAddress, 5n]);
      expect(BigInt(tx.signature!.s) <= N / 2n).to.equal(true);
      const typed = Transaction.from(await signer.signTransaction({ type: 1, chainId: 1337, nonce: 8, gasPrice: 1n, gasLimit: 21_000, to: complianceAddress, accessList: [] }));
      expect([typed.type, typed.from, typed.chainId]).to.deep.equal([1, issuerAddress, 1337n]);
    });

    it("refuses a transaction without a chain id, one from another address and a blob or authorization transaction", async function () {
      const signer = await open("issuer-2026");
      const named = 'account "issuer" (pkcs11 key "issuer-2026" on token "bank-duties")';
      await rejectsWith(
        signer.signTransaction({ type: 0, nonce: 0, gasPrice: 1n, gasLimit: 21_000, to: complianceAddress }),
        `${named}: a transaction without a chain id (replayable on any chain) is not signed; nothing was sent`,
      );
      await rejectsWith(
        signer.signTransaction({ type: 0, chainId: 1, from: complianceAddress, nonce: 0, gasPrice: 1n, gasLimit: 21_000, to: complianceAddress }),
        `${named}: the transaction is from ${complianceAddress}, not from this key's address ${issuerAddress}; nothing was sent`,
      );
      await rejectsWith(
        signer.signTransaction({ type: 4, chainId: 1, nonce: 0, gasLimit: 21_000, maxFeePerGas: 1n, maxPriorityFeePerGas: 1n, to: complianceAddress, authorizationList: [] }),
        `${named}: transaction type 4 is not signed by this backend (types 0, 1 and 2 are); nothing was sent`,
      );
    });

    it("sends a plain transfer and a contract call signed in the HSM, which the hardhat network accepts and mines", async function () {
      const [funder] = await ethers.getSigners();
      await (await funder.sendTransaction({ to: issuerAddress, value: ethers.parseEther("1") })).wait();
      const signer = await open("issuer-2026");
      const { chainId } = await ethers.provider.getNetwork();
      const nonce = await ethers.provider.getTransactionCount(issuerAddress);
      const raw = await signer.signTransaction({ type: 0, chainId, nonce, gasPrice: ethers.parseUnits("10", "gwei"), gasLimit: 21_000, to: complianceAddress, value: 12_345n });
      const response = await hre.ethers.provider.broadcastTransaction(raw);
      const receipt = await response.wait();
      expect([receipt?.status, receipt?.from, response.chainId]).to.deep.equal([1, issuerAddress, chainId]);
      expect(await ethers.provider.getBalance(complianceAddress)).to.equal(12_345n);

      const token = (await (await ethers.getContractFactory("PlainERC20")).deploy()) as unknown as PlainERC20;
      const call = await token.connect(signer).mint(complianceAddress, 77n, { type: 0, gasPrice: ethers.parseUnits("10", "gwei") });
      expect((await call.wait())?.from).to.equal(issuerAddress);
      expect(await token.balanceOf(complianceAddress)).to.equal(77n);
    });

    it("signs for two accounts on the same token, each as its own address", async function () {
      const issuer = await openSigner(spec("issuer-2026"), ethers.provider);
      const compliance = await openSigner(spec("compliance-2026", { name: "compliance" }), ethers.provider);
      expect([await issuer.getAddress(), await compliance.getAddress()]).to.deep.equal([issuerAddress, complianceAddress]);
      expect(ethers.verifyMessage("one", await issuer.signMessage("one"))).to.equal(issuerAddress);
      expect(ethers.verifyMessage("two", await compliance.signMessage("two"))).to.equal(complianceAddress);
    });
  });

  describe("misconfigurations", function () {
    const named = (key: string, token = "bank-duties", name = "issuer"): string => `account "${name}" (pkcs11 key "${key}" on token "${token}")`;
    const refused = async (s: Pkcs11Spec, message: string): Promise<void> => {
      await rejectsWith(openPkcs11(s, ethers.provider), `${named(s.key, s.token, s.name)}: ${message}; nothing was sent`);
    };

    it("refuses a module file that does not exist", async function () {
      await refused(spec("issuer-2026", { module: "/opt/hsm/libmissing.so" }), "the PKCS#11 module /opt/hsm/libmissing.so does not exist");
    });

    it("refuses a file that is not a PKCS#11 module", async function () {
      const text = path.join(t.dir, "not-a-module.so");
      fs.writeFileSync(text, "not a library, only text\n".repeat(40));
      await refused(spec("issuer-2026", { module: text }), `${text} is not a PKCS#11 module (invalid ELF header)`);
      const libz = ["/lib/x86_64-linux-gnu/libz.so.1", "/usr/lib/x86_64-linux-gnu/libz.so.1"].find((f) => fs.existsSync(f));
      if (libz) await refused(spec("issuer-2026", { module: libz }), `${libz} is not a PKCS#11 module (it has no C_GetFunctionList)`);
    });

    it("refuses a token label that is not on the module, listing the labels present", async function () {
      await refused(
        spec("issuer-2026", { token: "bank-dutes" }),
        `no token labelled "bank-dutes" on ${t.module} (tokens present: "bank-duties", "second-token")`,
      );
    });

    it("refuses a wrong PIN, and one that differs from the PIN the token is logged in with", async function () {
      const wrong = path.join(t.dir, "wrong-pin");
      fs.writeFileSync(wrong, "111111\n", { mode: 0o600 });
      await refused(spec("issuer-2026", { token: "second-token", pinFile: wrong }), "wrong PIN (CKR_PIN_INCORRECT)");
      await refused(spec("issuer-2026", { pinFile: wrong }), 'wrong PIN: it is not the PIN token "bank-duties" is logged in with');
    });

    it("refuses a PIN file that others can read, and names a locked PIN in words", async function () {
      const open644 = path.join(t.dir, "pin-644");
      fs.writeFileSync(open644, `${t.pin}\n`, { mode: 0o644 });
      fs.chmodSync(open644, 0o644);
      await refused(spec("issuer-2026", { token: "second-token", pinFile: open644 }), `PIN: file ${open644} can be read by others (mode 644); chmod 600 it`);
      // SoftHSM2 never locks a user PIN, so the lock is shown by the code the token would answer.
      expect(describePkcs11Error(new pkcs11js.Pkcs11Error("CKR_PIN_LOCKED", pkcs11js.CKR_PIN_LOCKED, "C_Login"))).to.equal(
        "the user PIN is locked after too many wrong PINs (the token's security officer must unlock it) (CKR_PIN_LOCKED)",
      );
      expect(describePkcs11Error(new pkcs11js.Pkcs11Error("CKR_PIN_INCORRECT", pkcs11js.CKR_PIN_INCORRECT, "C_Login"))).to.equal("wrong PIN (CKR_PIN_INCORRECT)");
      expect(describePkcs11Error(new pkcs11js.Pkcs11Error("CKR_RANDOM_NO_RNG", pkcs11js.CKR_RANDOM_NO_RNG, "C_Sign"))).to.equal("the token answered CKR_RANDOM_NO_RNG");
    });

    it("refuses a key label that is not on the token, listing the private keys present", async function () {
      await refused(
        spec("issuer-2025"),
        'no private key labelled "issuer-2025" on token "bank-duties" (private keys present: "compliance-2026", "issuer-2026", "no-sign", "p256", "rsa", "twice", "twice")',
      );
    });

    it("refuses a label that names more than one private key", async function () {
      await refused(spec("twice"), '2 private keys are labelled "twice" on token "bank-duties"; a label must name one key');
    });

    it("refuses a key on another curve and a key of another type", async function () {
      await refused(spec("p256"), 'key "p256" is an EC key on another curve than secp256k1 (CKA_EC_PARAMS 06082a8648ce3d030107)');
      await refused(spec("rsa"), 'key "rsa" is not a secp256k1 EC key (it is CKK_RSA)');
    });

    it("refuses a key the HSM will not sign with when it is opened, before any transaction", async function () {
      const before = await ethers.provider.getBlockNumber();
      await refused(spec("no-sign"), "the HSM refuses to sign with this key (CKA_SIGN is not set) (CKR_KEY_FUNCTION_NOT_PERMITTED)");
      expect(await ethers.provider.getBlockNumber()).to.equal(before);
    });

    it("refuses to sign after closePkcs11 and sends nothing; opening again loads the module anew", async function () {
      const signer = await open("issuer-2026");
      const nonce = await ethers.provider.getTransactionCount(issuerAddress);
      closePkcs11();
      await rejectsWith(
        signer.sendTransaction({ to: complianceAddress, value: 1n, type: 0 }),
        `${named("issuer-2026")}: the PKCS#11 module was closed (closePkcs11); nothing was sent`,
      );
      expect(await ethers.provider.getTransactionCount(issuerAddress)).to.equal(nonce);
      expect(await (await open("issuer-2026")).getAddress()).to.equal(issuerAddress);
    });

    it("lets a process that opens a signer and never calls closePkcs11 end by itself", function () {
      const script = `require(${JSON.stringify(path.resolve(__dirname, "../../lib/signers/pkcs11.ts"))})
        .openPkcs11(${JSON.stringify(spec("issuer-2026"))}, null).then(async (s) => console.log(await s.getAddress()));`;
      const run = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { encoding: "utf8", timeout: 60_000, env: { ...process.env } });
      expect([run.status, run.signal, run.stdout.trim()]).to.deep.equal([0, null, issuerAddress]);
    });
  });
});
