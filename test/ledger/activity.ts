import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { appendInformation, informationReference, PaymentInformation } from "../../lib/payment-info";
import { randomNonce, signPayment, tokenDomain } from "../../lib/payments";
import { signTrade, tradeHash } from "../../lib/dvp";
import { participantId, tradeRef } from "../../lib/format";
import { LedgerDb } from "../../lib/ledger/db";
import { ACME_LEI, funded, GLOBEX_LEI } from "../tasks/helpers";

export const INVOICE: PaymentInformation = { reference: "INV-2027-001" };
export const ISO_PAYMENT: PaymentInformation = {
  uetr: "8a562c67-ca16-48ba-b074-65581be6f001",
  endToEndId: "E2E-ACME-0001",
  remittance: "Invoice 4711 of 2027-01-15",
};
/** Information appended to a payment whose reference is not its hash: a reader must not attach it. */
export const FORGED: PaymentInformation = { remittance: "Not this payment's remittance" };
export const PLAIN_REF = ethers.encodeBytes32String("PLAIN-7");
export const LEGAL_REF = ethers.encodeBytes32String("COURT-ORDER-7");

/**
 * The platform with a day of activity: issuance, a plain payment, payments carrying a free-text reference
 * and ISO 20022 information, a signed netted batch, a DvP trade through the escrow and a signed one settled
 * in a batch, a completed redemption,
 * a freeze with a forced transfer under a legal reference, and an unfreeze.
 */
export async function activity() {
  const f = await funded();
  const { usd, acme, globex, compliance, issuer, desk, shares, escrow } = f;
  const usdAddress = await usd.getAddress();
  await (await f.registry.connect(compliance).nameParticipant(participantId(ACME_LEI), `LEI:${ACME_LEI}`)).wait();
  await (await f.registry.connect(compliance).nameParticipant(participantId(GLOBEX_LEI), `LEI:${GLOBEX_LEI}`)).wait();
  await (await usd.connect(acme).transfer(globex.address, 100_00n)).wait();
  for (const [info, amount] of [[INVOICE, 250_00n], [ISO_PAYMENT, 1_234_56n]] as const) {
    const tx = await usd.connect(acme).transferWithReference.populateTransaction(globex.address, amount, informationReference(info));
    await (await acme.sendTransaction({ ...tx, data: appendInformation(tx.data, [info]) })).wait();
  }
  const forged = await usd.connect(acme).transferWithReference.populateTransaction(globex.address, 7_00n, PLAIN_REF);
  await (await acme.sendTransaction({ ...forged, data: appendInformation(forged.data, [FORGED]) })).wait();
  // A netted batch: Acme pays Globex 300.00, Globex pays Acme 120.00; net 180.00 moves.
  const domain = tokenDomain(await usd.name(), usdAddress, (await ethers.provider.getNetwork()).chainId);
  const now = BigInt(await time.latest());
  const terms = (from: string, to: string, value: bigint, ref: string) => ({ from, to, value, ref: ethers.encodeBytes32String(ref), validAfter: now - 3600n, validBefore: now + 86_400n, nonce: randomNonce() });
  const batch = [
    await signPayment(acme, domain, terms(acme.address, globex.address, 300_00n, "BATCH-1")),
    await signPayment(globex, domain, terms(globex.address, acme.address, 120_00n, "BATCH-2")),
  ];
  await (await usd.connect(acme).settlePaymentBatch(batch)).wait();
  // DvP: Globex sells 100 notes to Acme for 1,000.00 USD through the escrow.
  await (await shares.connect(issuer).issue(globex.address, 5000n)).wait();
  const trade = {
    seller: globex.address, buyer: acme.address, asset: await shares.getAddress(), assetAmount: 100n, cash: usdAddress, cashAmount: 1_000_00n,
    deadline: BigInt(await time.latest()) + 86_400n, ref: tradeRef("DVP-1"),
  };
  await (await shares.connect(globex).approve(await escrow.getAddress(), 100n)).wait();
  await (await usd.connect(acme).approve(await escrow.getAddress(), 1_000_00n)).wait();
  const proposal = await (await escrow.connect(globex).proposeTrade(trade)).wait();
  const tradeId = escrow.interface.parseLog(proposal!.logs.find((l) => escrow.interface.parseLog(l)?.name === "TradeProposed")!)!.args.tradeId as string;
  await (await escrow.connect(globex).fund(tradeId, trade)).wait();
  await (await escrow.connect(acme).fund(tradeId, trade)).wait();
  // A signed DvP trade settled in a batch of one: 10 notes for 100.00 USD, straight between the parties.
  const signedTrade = { ...trade, assetAmount: 10n, cashAmount: 100_00n, ref: tradeRef("DVP-2") };
  const chainId = (await ethers.provider.getNetwork()).chainId;
  await (await shares.connect(globex).approve(await escrow.getAddress(), 10n)).wait();
  await (await usd.connect(acme).approve(await escrow.getAddress(), 100_00n)).wait();
  const signatures = { sellerSig: await signTrade(globex, await escrow.getAddress(), chainId, signedTrade), buyerSig: await signTrade(acme, await escrow.getAddress(), chainId, signedTrade) };
  await (await escrow.connect(acme).settleSignedBatch([{ terms: signedTrade, ...signatures }])).wait();
  // A redemption of 500.00, paid out.
  await (await usd.connect(acme).requestRedemption(500_00n)).wait();
  await (await desk.connect(issuer).completeRedemption(1n)).wait();
  // Globex frozen; 50.00 taken from it under a court order; unfrozen.
  await (await usd.connect(compliance).freeze(globex.address)).wait();
  await (await usd.connect(compliance).forceTransfer(globex.address, acme.address, 50_00n, LEGAL_REF)).wait();
  await (await usd.connect(compliance).unfreeze(globex.address)).wait();
  return { ...f, tradeId, trade, signedTrade, signedTradeHash: tradeHash(await escrow.getAddress(), chainId, signedTrade) };
}

/** Every table's rows in a stable order, for comparing two ledgers. */
export async function ledgerRows(db: LedgerDb): Promise<Record<string, unknown[]>> {
  const tables: Record<string, string> = {
    events: "tx_hash, log_index", movements: "tx_hash, log_index", payments: "tx_hash, log_index", payment_information: "tx_hash, reference",
    payment_batches: "tx_hash, log_index", issuances: "tx_hash, log_index", redemptions: "token, id", freezes: "tx_hash, log_index",
    participants: "id", participant_wallets: "wallet", participant_changes: "tx_hash, log_index", trades: "trade_id",
    reserve_attestations: "tx_hash, log_index", blocks: "number", contracts: "address",
  };
  const out: Record<string, unknown[]> = {};
  for (const [table, order] of Object.entries(tables)) out[table] = await db.query(`SELECT * FROM ${table} ORDER BY ${order}`);
  return out;
}
