import hre from "hardhat";
import { printGasTable } from "./bench/gasTable";
import { measureDvPGas } from "./bench/dvp";
import { BATCH_SIZE, BLOCK_GAS_LIMIT, measureDvPBatchGas } from "./bench/dvpBatch";
import { formatAmount } from "../lib/format";
import { measureTokenGas } from "./bench/token";
import { measureSignedPaymentGas } from "./bench/payments";
import { measureFxGas } from "./bench/fx";
import { measurePvPGas, PVP_BATCH_SIZE } from "./bench/pvp";

/** `npm run bench:gas`: gas per operation beside plain ERC-20 baselines measured in the same run. */
async function main(): Promise<void> {
  if (hre.network.name !== "hardhat") throw new Error(`bench:gas runs on the in-process network, not ${hre.network.name}`);
  printGasTable("Deposit token (UUPS proxy, registry checks on both sides, berlin)", await measureTokenGas(hre));
  const payments = await measureSignedPaymentGas(hre);
  printGasTable("Signed payments and netted batches (deposit token, 10 participants, a settlement agent submits)", payments.rows);
  for (const note of payments.notes) console.log(note);
  printGasTable("DvP escrow (UUPS proxy, registry checks on both parties, both tokens permissioned)", await measureDvPGas(hre));
  printGasTable("FX payment against a signed quote (USD from payer to provider, EUR from provider to beneficiary, baselines in the same run)", await measureFxGas(hre));
  const batch = await measureDvPBatchGas(hre);
  printGasTable("DvP netted batch of signed trades (6 parties, 3 securities and USD; baseline measured in the same run)", batch.rows);
  console.log(`\nMoved by the ${BATCH_SIZE}-trade batch (SignedTradeBatchSettled): gross = settling each trade alone, net = what moved`);
  for (const m of batch.moved) {
    const pct = Number((m.totals.net * 10_000n) / m.totals.gross) / 100;
    console.log(`  ${m.label.padEnd(8)} gross ${formatAmount(m.totals.gross, m.decimals).padStart(16)}  net ${formatAmount(m.totals.net, m.decimals).padStart(14)}  (${pct.toFixed(2)}% of gross)`);
  }
  console.log(`\nGas used by a batch of this shape: about ${batch.fixed} + ${batch.perTrade} per trade; the largest that executes within a ${BLOCK_GAS_LIMIT.toLocaleString("en-US")}-gas block: ${batch.largestBatch} trades`);
  console.log(`Calldata: ${batch.bytesPerTrade} bytes per trade; GoQuorum's transaction size limit (genesis txnSizeLimit) lets in ${batch.bySize.map((x) => `${x.trades} trades at ${x.kib} KiB`).join(", ")}`);
  const pvp = await measurePvPGas(hre);
  printGasTable("Payment versus payment (USD and EUR deposit tokens, 6 parties; baselines measured in the same run)", pvp.rows);
  console.log(`\nThe ${PVP_BATCH_SIZE}-trade netted PvP batch used ${pvp.batchGas} gas in one transaction`);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
