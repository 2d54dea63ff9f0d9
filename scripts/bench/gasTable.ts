import type { Interface } from "ethers";
import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { decodeRevert, revertData } from "../../lib/errors";

/** One measured operation: its gas and, when it has one, the baseline it is compared with. */
export interface GasRow {
  operation: string;
  gas: bigint;
  baseline?: { label: string; gas: bigint };
}

/** Gas used by a sent transaction, once mined. */
export async function gasOf(sent: Promise<{ wait(): Promise<{ gasUsed: bigint } | null> }>): Promise<bigint> {
  const receipt = await (await sent).wait();
  if (!receipt) throw new Error("transaction was dropped before it was mined");
  return receipt.gasUsed;
}

/**
 * Gas used by a transaction the contract refuses, mined as it is (sent with a fixed gas limit, so that no
 * estimate stops it first): shows that the refusal runs in the same transaction shape as the payment.
 * Throws unless it was mined as failed with the custom error `expected` of `iface`.
 */
export async function refusedGasOf(
  hre: HardhatRuntimeEnvironment,
  iface: Interface,
  expected: string,
  send: (overrides: { gasLimit: bigint }) => Promise<unknown>,
): Promise<bigint> {
  const before = await hre.ethers.provider.getBlockNumber();
  let error: unknown;
  try {
    await send({ gasLimit: 1_000_000n });
  } catch (e) {
    error = e;
  }
  const data = revertData(error);
  const name = data ? decodeRevert(data, [iface])?.name : undefined;
  if (name !== expected) throw new Error(`expected a refusal with ${expected}, got ${name ?? String(error)}`);
  const block = await hre.ethers.provider.getBlock("latest");
  const hash = block && block.number > before ? block.transactions[block.transactions.length - 1] : undefined;
  const receipt = hash ? await hre.ethers.provider.getTransactionReceipt(hash) : null;
  if (!receipt || receipt.status !== 0) throw new Error(`the refused transaction (${expected}) was not mined as failed`);
  return receipt.gasUsed;
}

export function ratio(gas: bigint, baseline: bigint): string {
  return `${(Number(gas) / Number(baseline)).toFixed(2)}x`;
}

/** Prints rows as an aligned table. */
export function printGasTable(title: string, rows: GasRow[]): void {
  const header = ["operation", "gas", "baseline", "baseline gas", "ratio"];
  const lines = rows.map((r) => [
    r.operation,
    r.gas.toString(),
    r.baseline?.label ?? "",
    r.baseline ? r.baseline.gas.toString() : "",
    r.baseline ? ratio(r.gas, r.baseline.gas) : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => (i === 1 || i >= 3 ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join("  ");
  console.log(`\n${title}`);
  console.log(fmt(header));
  console.log(widths.map((w) => "-".repeat(w)).join("  "));
  for (const l of lines) console.log(fmt(l));
}
