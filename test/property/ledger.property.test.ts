import { expect } from "chai";
import fc from "fast-check";
import path from "path";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import type { HardhatEthersSigner } from "@nomicfoundation/hardhat-ethers/signers";
import { participantId, tradeRef } from "../../lib/format";
import { LedgerDb, openLedger } from "../../lib/ledger/db";
import { Difference, reconcileLedger } from "../../lib/ledger/reconcile";
import { syncLedger } from "../../lib/ledger/sync";
import { useTemporaryDeployments, useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";
import { funded, load } from "../tasks/helpers";
import { fcParameters } from "./fcConfig";

/** `funded` with a third holder (Initech, on the outsider's wallet), 10,000.00 USD issued to Globex and to Initech, and 5,000 notes to Globex. */
async function ledgerFixture() {
  const f = await funded();
  await f.registry.connect(f.compliance).onboard(participantId("Initech"), [f.outsider.address], (await time.latest()) + 365 * 86400);
  for (const [who, ref] of [[f.globex, "seed-globex"], [f.outsider, "seed-initech"]] as const) await f.desk.connect(f.issuer).mint(who.address, 10_000_00n, ethers.id(ref));
  await f.shares.connect(f.issuer).issue(f.globex.address, 5000n);
  return f;
}
type Fixture = Awaited<ReturnType<typeof ledgerFixture>>;

const holder = fc.integer({ min: 0, max: 2 });
const permille = fc.integer({ min: 1, max: 1000 });
const action = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("pay" as const), from: holder, to: holder, permille }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("issue" as const), to: holder, cents: fc.integer({ min: 1, max: 100_000 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("redeem" as const), from: holder, permille }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("settleRedemption" as const), complete: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("trade" as const), buyer: fc.integer({ min: 0, max: 1 }), notes: fc.integer({ min: 1, max: 50 }), outcome: fc.constantFrom("settle", "lock", "cancel") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("force" as const), from: holder, to: holder, permille }) },
);
type Action = typeof action extends fc.Arbitrary<infer A> ? A : never;
const alteration = fc.record({ kind: fc.constantFrom("amount", "delete", "status"), pick: fc.nat(), delta: fc.bigInt({ min: 1n, max: 100_000n }) });

/** Runs the actions on the chain, skipping what the state does not allow (a payment from an empty wallet, nothing to settle). */
async function perform(f: Fixture, actions: readonly Action[]): Promise<void> {
  const holders: HardhatEthersSigner[] = [f.acme, f.globex, f.outsider];
  const escrow = await f.escrow.getAddress();
  const pending: bigint[] = [];
  let n = 0;
  const share = async (who: HardhatEthersSigner, p: number) => ((await f.usd.balanceOf(who.address)) * BigInt(p)) / 1000n;
  for (const a of actions) {
    n += 1;
    if (a.kind === "pay") {
      const amount = await share(holders[a.from], a.permille);
      if (a.from === a.to || amount === 0n) continue;
      await (await f.usd.connect(holders[a.from]).transferWithReference(holders[a.to].address, amount, ethers.encodeBytes32String(`PAY-${n}`))).wait();
    } else if (a.kind === "issue") {
      await (await f.desk.connect(f.issuer).mint(holders[a.to].address, BigInt(a.cents), ethers.id(`deposit-${n}`))).wait();
    } else if (a.kind === "redeem") {
      const amount = (await share(holders[a.from], a.permille)) % 500_00n;
      if (amount === 0n) continue;
      const receipt = await (await f.usd.connect(holders[a.from]).requestRedemption(amount)).wait();
      pending.push(f.usd.interface.parseLog(receipt!.logs.find((l) => f.usd.interface.parseLog(l)?.name === "RedemptionRequested")!)!.args.id as bigint);
    } else if (a.kind === "settleRedemption") {
      const id = pending.shift();
      if (id === undefined) continue;
      if (a.complete) await (await f.desk.connect(f.issuer).completeRedemption(id)).wait();
      else await (await f.desk.connect(f.issuer).rejectRedemption(id, ethers.encodeBytes32String("KYC"))).wait();
    } else if (a.kind === "trade") {
      const buyer = [f.acme, f.outsider][a.buyer];
      const cash = BigInt(a.notes) * 10_00n;
      if ((await f.shares.balanceOf(f.globex.address)) < BigInt(a.notes) || (await f.usd.balanceOf(buyer.address)) < cash) continue;
      const trade = { seller: f.globex.address, buyer: buyer.address, asset: await f.shares.getAddress(), assetAmount: BigInt(a.notes), cash: await f.usd.getAddress(), cashAmount: cash, deadline: BigInt(await time.latest()) + 86_400n, ref: tradeRef(`T-${n}`) };
      const receipt = await (await f.escrow.connect(f.globex).proposeTrade(trade)).wait();
      const tradeId = f.escrow.interface.parseLog(receipt!.logs.find((l) => f.escrow.interface.parseLog(l)?.name === "TradeProposed")!)!.args.tradeId as string;
      await (await f.shares.connect(f.globex).approve(escrow, trade.assetAmount)).wait();
      await (await f.escrow.connect(f.globex).fund(tradeId, trade)).wait();
      if (a.outcome === "settle") {
        await (await f.usd.connect(buyer).approve(escrow, cash)).wait();
        await (await f.escrow.connect(buyer).fund(tradeId, trade)).wait();
      } else if (a.outcome === "cancel") await (await f.escrow.connect(buyer).cancel(tradeId, trade)).wait();
    } else {
      const amount = await share(holders[a.from], a.permille);
      if (a.from === a.to || amount === 0n) continue;
      await (await f.usd.connect(f.compliance).freeze(holders[a.from].address)).wait();
      await (await f.usd.connect(f.compliance).forceTransfer(holders[a.from].address, holders[a.to].address, amount, ethers.encodeBytes32String(`ORDER-${n}`))).wait();
      await (await f.usd.connect(f.compliance).unfreeze(holders[a.from].address)).wait();
    }
  }
}

/** A difference as [what, wallet, token, ledger less chain], the shape the expectations are written in. */
const gap = (d: Difference) => [d.what, d.wallet ?? null, d.token, (d.database - d.chain).toString()];
const sorted = (rows: unknown[][]) => rows.map((r) => JSON.stringify(r)).sort();

describe("property: the ledger reconciles with the chain after any activity, and names exactly what one altered row changes", function () {
  this.timeout(300_000);
  useTemporaryDeployments();
  const dir = useTemporaryDir("ledger-property");
  let db: LedgerDb;
  before(async function () {
    db = await openLedger({ dir: await seedLedgerDir(path.join(dir(), "ledger")) });
  });
  after(async function () {
    await db?.close();
  });

  it("finds no difference after a sync, then exactly the balances, supply or pending redemptions the altered row touches", async function () {
    const params = fcParameters();
    // Each run deploys, acts, syncs and reconciles twice: a few runs by default, FC_RUNS under test:fuzz.
    const numRuns = process.env.FC_RUNS ? params.numRuns : 6;
    const tables = (await db.query("SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'schema_migrations'")).map((r) => String(r.tablename));
    await fc.assert(
      fc.asyncProperty(fc.array(action, { minLength: 6, maxLength: 14 }), alteration, async (actions, change) => {
        const f = await load(ledgerFixture);
        await perform(f, actions);
        await db.exec(`TRUNCATE ${tables.join(", ")}`);
        await syncLedger(db, ethers.provider, f.record);
        const clean = await reconcileLedger(db, ethers.provider);
        expect(clean.differences.map(gap)).to.deep.equal([]);
        expect(clean.compared.balance).to.be.at.least(6);

        const zero = ethers.ZeroAddress.toLowerCase();
        const redemptions = await db.query("SELECT token, id::text AS id, amount::text AS amount, status FROM redemptions ORDER BY id");
        const kind = change.kind === "status" && redemptions.length === 0 ? "amount" : change.kind;
        let expected: unknown[][];
        await db.query("BEGIN");
        try {
          if (kind === "status") {
            const r = redemptions[change.pick % redemptions.length];
            const wasPending = r.status === "pending";
            await db.query("UPDATE redemptions SET status = $3 WHERE token = $1 AND id = $2", [r.token, r.id, wasPending ? "completed" : "pending"]);
            expected = [["redemptions", null, r.token, (wasPending ? -BigInt(String(r.amount)) : BigInt(String(r.amount))).toString()]];
          } else {
            const movements = await db.query("SELECT tx_hash, log_index, token, from_address, to_address, amount::text AS amount FROM movements ORDER BY block_number, log_index");
            const m = movements[change.pick % movements.length];
            const delta = kind === "delete" ? -BigInt(String(m.amount)) : change.delta;
            if (kind === "delete") await db.query("DELETE FROM movements WHERE tx_hash = $1 AND log_index = $2", [m.tx_hash, m.log_index]);
            else await db.query("UPDATE movements SET amount = amount + $3 WHERE tx_hash = $1 AND log_index = $2", [m.tx_hash, m.log_index, delta.toString()]);
            expected = [];
            if (m.from_address !== zero) expected.push(["balance", m.from_address, m.token, (-delta).toString()]);
            if (m.to_address !== zero) expected.push(["balance", m.to_address, m.token, delta.toString()]);
            if (m.from_address === zero) expected.push(["supply", null, m.token, delta.toString()]);
            if (m.to_address === zero) expected.push(["supply", null, m.token, (-delta).toString()]);
          }
          const altered = await reconcileLedger(db, ethers.provider);
          expect(sorted(altered.differences.map(gap))).to.deep.equal(sorted(expected));
        } finally {
          await db.query("ROLLBACK");
        }
      }),
      { ...params, numRuns },
    );
  });
});
