import hre from "hardhat";
import { printGasTable } from "./bench/gasTable";
import { measureDvPGas } from "./bench/dvp";
import { measureTokenGas } from "./bench/token";
import { measureSignedPaymentGas } from "./bench/payments";

/** `npm run bench:gas`: gas per operation beside plain ERC-20 baselines measured in the same run. */
async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error(`bench:gas runs on the in-process network, not ${hre.network.name}`);
  printGasTable("Deposit token (UUPS proxy, registry checks on both sides, berlin)", await measureTokenGas(hre));
  const payments = await measureSignedPaymentGas(hre);
  printGasTable("Signed payments and netted batches (deposit token, 10 participants, a settlement agent submits)", payments.rows);
  for (const note of payments.notes) console.log(note);
  printGasTable("DvP escrow (UUPS proxy, registry checks on both parties, both tokens permissioned)", await measureDvPGas(hre));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
