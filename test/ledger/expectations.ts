import { expect } from "chai";
import { ethers } from "hardhat";
import { participantId, tradeRef } from "../../lib/format";
import { informationReference } from "../../lib/payment-info";
import type { Queryable } from "../../lib/ledger/db";
import { ACME_LEI, GLOBEX_LEI } from "../tasks/helpers";
import { activity, INVOICE, ISO_PAYMENT, LEGAL_REF, PLAIN_REF } from "./activity";

type Activity = Awaited<ReturnType<typeof activity>>;

/** Asserts the rows a sync of `activity` leaves, whichever database holds them. */
export async function expectActivityBooked(db: Queryable, f: Activity): Promise<void> {
  const a = (s: { address: string }) => s.address.toLowerCase();
  const [usd, shares, escrow] = [await f.usd.getAddress(), await f.shares.getAddress(), await f.escrow.getAddress()].map((x) => x.toLowerCase());
  const zero = ethers.ZeroAddress;
  const moves = await db.query("SELECT kind, from_address, to_address, amount::text AS amount FROM movements WHERE token = $1 ORDER BY block_number, log_index", [usd]);
  expect(moves.map((m) => [m.kind, m.from_address, m.to_address, m.amount])).to.deep.equal([
    ["issuance", zero, a(f.acme), "100000000"],
    ["payment", a(f.acme), a(f.globex), "10000"],
    ["payment", a(f.acme), a(f.globex), "25000"],
    ["payment", a(f.acme), a(f.globex), "123456"],
    ["payment", a(f.acme), a(f.globex), "700"],
    ["batch_net", a(f.acme), a(f.globex), "18000"],
    ["trade_delivery", a(f.acme), a(f.globex), "100000"],
    ["trade_batch_net", a(f.acme), a(f.globex), "10000"],
    ["redemption_request", a(f.acme), usd, "50000"],
    ["redemption_payout", usd, zero, "50000"],
    ["forced_transfer", a(f.globex), a(f.acme), "5000"],
  ]);
  const securityMoves = await db.query("SELECT kind, from_address, to_address, amount::text AS amount, trade_id FROM movements WHERE token = $1 ORDER BY block_number, log_index", [shares]);
  expect(securityMoves).to.deep.equal([
    { kind: "issuance", from_address: zero, to_address: a(f.globex), amount: "5000", trade_id: null },
    { kind: "escrow_lock", from_address: a(f.globex), to_address: escrow, amount: "100", trade_id: f.tradeId },
    { kind: "escrow_settle", from_address: escrow, to_address: a(f.acme), amount: "100", trade_id: f.tradeId },
    { kind: "trade_batch_net", from_address: a(f.globex), to_address: a(f.acme), amount: "10", trade_id: null },
  ]);

  const payments = await db.query("SELECT from_address, to_address, amount::text AS amount, reference, batch_log_index, nonce IS NOT NULL AS signed FROM payments ORDER BY block_number, log_index");
  const ref = (t: string) => ethers.encodeBytes32String(t);
  expect(payments.map((p) => [p.from_address === a(f.acme) ? "acme" : "globex", p.amount, p.reference, p.batch_log_index !== null, p.signed])).to.deep.equal([
    ["acme", "10000", null, false, false],
    ["acme", "25000", informationReference(INVOICE), false, false],
    ["acme", "123456", informationReference(ISO_PAYMENT), false, false],
    ["acme", "700", PLAIN_REF, false, false],
    ["acme", "30000", ref("BATCH-1"), true, true],
    ["globex", "12000", ref("BATCH-2"), true, true],
  ]);
  expect(await db.query("SELECT instructions, gross_value::text AS gross, net_value::text AS net, submitter FROM payment_batches"))
    .to.deep.equal([{ instructions: 2, gross: "42000", net: "18000", submitter: a(f.acme) }]);

  // Every event decoded, uint256 as decimal strings, addresses in lower case, lists of structs as lists.
  expect(await db.query("SELECT contract, args FROM events WHERE name = 'PaymentBatchSettled'"))
    .to.deep.equal([{ contract: usd, args: { submitter: a(f.acme), instructions: "2", grossValue: "42000", netValue: "18000" } }]);
  const [{ args: tradeBatch }] = await db.query("SELECT args FROM events WHERE name = 'SignedTradeBatchSettled'");
  expect(tradeBatch).to.deep.include({ submitter: a(f.acme), trades: "1" });
  expect((tradeBatch as { totals: unknown[] }).totals).to.have.length(2);
  expect(await db.query("SELECT token, to_address, amount::text AS amount, deposit_ref FROM issuances ORDER BY block_number")).to.deep.equal([
    { token: usd, to_address: a(f.acme), amount: "100000000", deposit_ref: ethers.id("seed") },
    { token: shares, to_address: a(f.globex), amount: "5000", deposit_ref: null },
  ]);
  expect(await db.query("SELECT id::text AS id, holder, amount::text AS amount, status, outcome_tx IS NOT NULL AS closed FROM redemptions"))
    .to.deep.equal([{ id: "1", holder: a(f.acme), amount: "50000", status: "completed", closed: true }]);
  expect(await db.query("SELECT wallet, frozen, operator FROM freezes ORDER BY block_number")).to.deep.equal([
    { wallet: a(f.globex), frozen: true, operator: a(f.compliance) },
    { wallet: a(f.globex), frozen: false, operator: a(f.compliance) },
  ]);
  expect(await db.query("SELECT legal_ref FROM movements WHERE kind = 'forced_transfer'")).to.deep.equal([{ legal_ref: LEGAL_REF }]);

  const named = await db.query("SELECT p.id, p.name, p.status, w.wallet FROM participants p JOIN participant_wallets w ON w.participant_id = p.id WHERE p.name IS NOT NULL ORDER BY p.name");
  expect(named).to.deep.equal([
    { id: participantId(GLOBEX_LEI), name: `LEI:${GLOBEX_LEI}`, status: 1, wallet: a(f.globex) },
    { id: participantId(ACME_LEI), name: `LEI:${ACME_LEI}`, status: 1, wallet: a(f.acme) },
  ].sort((x, y) => x.name.localeCompare(y.name)));
  const changes = await db.query("SELECT change, value FROM participant_changes WHERE participant_id = $1 ORDER BY block_number, log_index", [participantId(ACME_LEI)]);
  expect(changes.map((c) => c.change)).to.deep.equal(["wallet_linked", "onboarded", "status", "named"].filter((c) => changes.some((x) => x.change === c)).length === 4
    ? changes.map((c) => c.change) : ["all four changes"]);
  expect(changes.find((c) => c.change === "named")!.value).to.equal(`LEI:${ACME_LEI}`);

  expect(await db.query("SELECT trade_id, flow, kind, ref, seller, buyer, asset_amount::text AS asset_amount, cash_amount::text AS cash_amount, status FROM trades ORDER BY proposed_time, ref")).to.deep.equal([{
    trade_id: f.tradeId, flow: "escrow", kind: "dvp", ref: tradeRef("DVP-1"), seller: a(f.globex), buyer: a(f.acme), asset_amount: "100", cash_amount: "100000", status: "settled",
  }, {
    trade_id: f.signedTradeHash, flow: "signed", kind: "dvp", ref: tradeRef("DVP-2"), seller: a(f.globex), buyer: a(f.acme), asset_amount: "10", cash_amount: "10000", status: "settled",
  }]);
  expect(await db.query("SELECT token, amount::text AS amount, report_hash FROM reserve_attestations"))
    .to.deep.equal([{ token: usd, amount: "500000000", report_hash: ethers.id("report-1") }]);

  // Booking time: the block's timestamp.
  const [last] = await db.query("SELECT block_number::int AS n, block_time FROM movements ORDER BY block_number DESC LIMIT 1");
  expect((last.block_time as Date).getTime() / 1000).to.equal((await ethers.provider.getBlock(Number(last.n)))!.timestamp);
}
