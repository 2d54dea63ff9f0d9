/**
 * Signatures per second of each signing backend, each measured for a bounded time (BENCH_SECONDS, 2 s, or
 * BENCH_MAX signatures, 2,000, whichever comes first), beside a raw key (ethers Wallet) in the same run:
 *
 *   npx ts-node scripts/bench/signers.ts
 *
 * The PKCS#11 rows use a SoftHSM2 token made for the run in a temporary folder (removed afterwards). The
 * signing-service row runs only when CLEF_URL and CLEF_ADDRESS name a running service and one of its accounts.
 */
import fs from "fs";
import os from "os";
import path from "path";
import { keccak256, Transaction, Wallet } from "ethers";
import type { AbstractSigner, TransactionRequest } from "ethers";
import { openSigner } from "../../lib/signers/index";
import { createKeystore } from "../../lib/signers/keystore";
import { generatePkcs11Key, openPkcs11 } from "../../lib/signers/pkcs11";
import { createSoftHsmTokens, softHsmInstalled } from "../../test/signers/softhsm";

const SECONDS = Number(process.env.BENCH_SECONDS ?? "2");
const MAX = Number(process.env.BENCH_MAX ?? "2000");

interface Row {
  backend: string;
  what: string;
  count: number;
  seconds: number;
  note?: string;
}

const rows: Row[] = [];

/** Runs `sign` until SECONDS have passed or MAX signatures are made, and records the rate. */
async function measure(backend: string, what: string, sign: (i: number) => unknown, note?: string): Promise<void> {
  const start = process.hrtime.bigint();
  const limit = BigInt(Math.round(SECONDS * 1e9));
  let count = 0;
  while (count < MAX && process.hrtime.bigint() - start < limit) {
    await sign(count);
    count++;
  }
  rows.push({ backend, what, count, seconds: Number(process.hrtime.bigint() - start) / 1e9, note });
}

const digest = (i: number): string => keccak256(Buffer.from(`bench ${i}`));
const domain = { name: "DepositToken", version: "1", chainId: 31337, verifyingContract: "0x" + "22".repeat(20) };
const types = { Payment: [{ name: "to", type: "address" }, { name: "amount", type: "uint256" }, { name: "nonce", type: "uint256" }] };
const payment = (i: number) => ({ to: "0x" + "33".repeat(20), amount: 1000n + BigInt(i), nonce: BigInt(i) });
const transaction = (i: number): TransactionRequest => ({ type: 0, chainId: 1337, nonce: i, gasPrice: 10n ** 9n, gasLimit: 60_000, to: "0x" + "44".repeat(20), value: 1n });

async function signerRows(backend: string, signer: AbstractSigner): Promise<void> {
  await measure(backend, "EIP-712 typed data", (i) => signer.signTypedData(domain, types, payment(i)));
  await measure(backend, "legacy transaction", (i) => signer.signTransaction(transaction(i)));
}

async function main(): Promise<void> {
  const wallet = Wallet.createRandom();
  await measure("raw key", "digest", (i) => wallet.signingKey.sign(digest(i)), "baseline: ethers Wallet, key in memory");
  await signerRows("raw key", wallet);

  const folder = fs.mkdtempSync(path.join(os.tmpdir(), "bench-keystore-"));
  try {
    const file = path.join(folder, "key.json");
    const passwordFile = path.join(folder, "password");
    fs.writeFileSync(passwordFile, "bench-password-1\n", { mode: 0o600 });
    await createKeystore(file, "bench-password-1");
    const start = process.hrtime.bigint();
    const keystore = await openSigner({ name: "bench", backend: "keystore", file, passwordFile }, null);
    const decrypt = Number(process.hrtime.bigint() - start) / 1e9;
    await signerRows("keystore", keystore);
    rows[rows.length - 2].note = `decrypted once in ${decrypt.toFixed(2)} s (scrypt N=2^17)`;
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }

  if (softHsmInstalled()) {
    const { token, remove } = createSoftHsmTokens(["bench"]);
    try {
      const spec = { name: "bench", backend: "pkcs11" as const, module: token.module, token: token.token, key: "bench-key", pinFile: token.pinFile };
      await generatePkcs11Key(spec);
      const signer = await openPkcs11(spec, null);
      await measure("pkcs11 SoftHSM2", "digest, raw r||s", (i) => signer.signDigestRaw(digest(i)), "CKM_ECDSA in the token only");
      await measure("pkcs11 SoftHSM2", "digest, low s + recovery", (i) => signer.signDigest(digest(i)));
      await signerRows("pkcs11 SoftHSM2", signer);
      const check = Transaction.from(await signer.signTransaction(transaction(0)));
      if (check.from !== (await signer.getAddress())) throw new Error("the benchmark's transaction does not recover to the key");
    } finally {
      remove();
    }
  } else {
    rows.push({ backend: "pkcs11 SoftHSM2", what: "-", count: 0, seconds: 0, note: "skipped: softhsm2-util is not installed" });
  }

  // Signing service (Clef's external API): measured only when a running service and an account are named.
  const url = process.env.CLEF_URL;
  const address = process.env.CLEF_ADDRESS;
  if (url && address) {
    const external = await openSigner({ name: "bench", backend: "external", url, address }, null);
    await signerRows("external", external);
  } else {
    rows.push({ backend: "external", what: "-", count: 0, seconds: 0, note: "skipped: set CLEF_URL and CLEF_ADDRESS" });
  }

  const baseline = rows[0].count / rows[0].seconds;
  const table = rows.map((r) => {
    const rate = r.seconds > 0 ? r.count / r.seconds : 0;
    return [r.backend, r.what, r.count ? String(r.count) : "-", r.count ? r.seconds.toFixed(2) : "-", r.count ? rate.toFixed(0) : "-", r.count ? `${((100 * rate) / baseline).toFixed(1)}%` : "-", r.note ?? ""];
  });
  const header = ["backend", "operation", "signatures", "seconds", "per second", "of raw digest", "note"];
  const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
  const line = (cells: string[]): string => cells.map((c, i) => (i >= 2 && i <= 5 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ").trimEnd();
  console.log(`Signing throughput, ${SECONDS} s or ${MAX} signatures per row, whichever first (${new Date().toISOString().slice(0, 10)})`);
  console.log(line(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const row of table) console.log(line(row));
}

main().catch((e: Error) => {
  console.error(e.message);
  process.exitCode = 1;
});
