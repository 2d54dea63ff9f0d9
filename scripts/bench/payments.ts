import type { HardhatRuntimeEnvironment } from "hardhat/types";
import { benchSuite } from "./suite";
import { CURRENCIES } from "../../lib/config";
import { formatAmount } from "../../lib/format";
import { PaymentTerms, grossAndNet, liquiditySavedPercent, paymentCycle, randomNonce, signPayment, tokenDomain } from "../../lib/payments";
import { GasRow, gasOf, ratio } from "./gasTable";
import { GAS_LIMIT } from "../../network/genesis";

/** The network's block gas limit (network/genesis.ts): the largest batch must fit in one block. */
const BLOCK_GAS_LIMIT = GAS_LIMIT;

/**
 * Gas of signed payments and netted payment batches on the deposit token, beside one
 * `transferWithReference` between holders measured in the same run. Batches: `count` instructions among
 * 10 participants submitted by a settlement agent, with nonces numbered per payer (256 to a storage word)
 * and, for comparison, random nonces (one new storage word per instruction).
 */
export async function measureSignedPaymentGas(hre: HardhatRuntimeEnvironment): Promise<{ rows: GasRow[]; notes: string[] }> {
  const { ethers } = hre;
  const signers = await ethers.getSigners();
  const [, , agent, bob] = signers;
  const { suite: { registry, tokens }, desk, ops } = await benchSuite(hre);
  const usd = tokens.USD;
  const expiry = (await ethers.provider.getBlock("latest"))!.timestamp + 365 * 86400;
  const wallets = Array.from({ length: 10 }, () => ethers.Wallet.createRandom(ethers.provider));
  await (await registry.connect(ops).onboard(ethers.id("bench-agent"), [agent.address, bob.address], expiry)).wait();
  for (const [i, w] of wallets.entries()) {
    await (await registry.connect(ops).onboard(ethers.id(`bench-P${i}`), [w.address], expiry)).wait();
  }
  for (const [i, w] of [agent, bob, ...wallets].entries()) {
    await (await desk.mint(w.address, 10n ** 10n, ethers.id(`bench-seed-${i}`))).wait();
  }
  const { chainId } = await ethers.provider.getNetwork();
  const token = await usd.getAddress();
  const domain = tokenDomain(await usd.name(), token, chainId);
  const byAddress = new Map(wallets.map((w) => [w.address, w]));
  const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const window = { validAfter: now - 3600n, validBefore: now + 30n * 86_400n };

  const ref = ethers.id("INV-0001");
  const a = usd.connect(agent);
  await (await a.transferWithReference(bob.address, 100n, ref)).wait(); // warm: both balances non-zero
  const single = { label: "transferWithReference to a holder", gas: await gasOf(a.transferWithReference(bob.address, 100n, ref)) };

  const signOne = (from: (typeof wallets)[number], terms: PaymentTerms) => signPayment(from, domain, terms);
  const one = await signOne(wallets[0], { from: wallets[0].address, to: wallets[1].address, value: 100n, ref, ...window, nonce: randomNonce() });
  const rows: GasRow[] = [
    { operation: "transferWithReference to a holder", gas: single.gas },
    { operation: "transferWithReferenceAuthorization (random nonce)", gas: await gasOf(a.transferWithReferenceAuthorization(one)), baseline: single },
  ];
  const notes: string[] = [];
  // Numbered nonces: each payer counts its payments on from one starting point, so a cycle continues the
  // storage word its previous cycle used (a new word every 256 payments); random nonces take a word each.
  const counters = new Map<string, bigint>(wallets.map((w) => [w.address, BigInt(ethers.keccak256(w.address)) >> 16n << 8n]));
  let cycleNumber = 0;
  const batch = async (count: number, nonces: "numbered" | "random") => {
    const cycle = ++cycleNumber;
    const terms = paymentCycle(wallets.map((w) => w.address), count, {
      ...window, amount: (i) => BigInt(1_00 + ((i * 7919) % 50_00)), ref: (i) => ethers.id(`CYCLE-${cycle}-${i}`),
      nonce: (payer, k) => (nonces === "random" ? randomNonce() : ethers.toBeHex(counters.get(payer)! + BigInt(k), 32)),
    });
    if (nonces === "numbered") for (const t of terms) counters.set(t.from, BigInt(t.nonce) + 1n);
    const signed = await Promise.all(terms.map((t) => signPayment(byAddress.get(t.from)!, domain, t)));
    const gas = await gasOf(a.settlePaymentBatch(signed));
    return { gas, perInstruction: gas / BigInt(count), ...grossAndNet(terms) };
  };
  const first = await batch(100, "numbered");
  rows.push({ operation: "settlePaymentBatch, 100 among 10, first cycle: new nonce words (per instruction)", gas: first.perInstruction, baseline: single });
  const sizes = [10, 50, 100];
  const measured: Record<number, bigint> = {};
  for (const count of sizes) {
    const b = await batch(count, "numbered");
    measured[count] = b.gas;
    rows.push({ operation: `settlePaymentBatch, ${count} among 10, numbered nonces (per instruction)`, gas: b.perInstruction, baseline: single });
    if (count === 100) {
      notes.push(`payment batch of 100 among 10: ${b.gas} gas in all, ${ratio(b.perInstruction, single.gas)} of transferWithReference per instruction; ` +
        `gross ${formatAmount(b.gross, CURRENCIES.USD.decimals)} USD, net moved ${formatAmount(b.net, CURRENCIES.USD.decimals)} USD (${liquiditySavedPercent(b.gross, b.net)}% of the liquidity saved)`);
    }
  }
  const random = await batch(100, "random");
  rows.push({ operation: "settlePaymentBatch, 100 among 10, random nonces (per instruction)", gas: random.perInstruction, baseline: single });
  // gas grows linearly with the batch: marginal cost per instruction and the fixed part, from 10 and 100
  const marginal = (measured[100] - measured[10]) / 90n;
  const fixed = measured[10] - 10n * marginal;
  const marginalRandom = (random.gas - fixed) / 100n;
  notes.push(`largest payment batch in one ${BLOCK_GAS_LIMIT} gas block: about ${(BLOCK_GAS_LIMIT - fixed) / marginal} instructions with numbered nonces ` +
    `(${marginal} gas each + ${fixed} fixed), ${(BLOCK_GAS_LIMIT - fixed) / marginalRandom} with random nonces (${marginalRandom} each)`);
  return { rows, notes };
}
