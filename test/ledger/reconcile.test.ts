import { expect } from "chai";
import path from "path";
import { ethers } from "hardhat";
import { participantId } from "../../lib/format";
import { LedgerDb, openLedger, Queryable } from "../../lib/ledger/db";
import { Difference, differenceLine, reconcileLedger } from "../../lib/ledger/reconcile";
import { readCursor, syncLedger } from "../../lib/ledger/sync";
import { useTemporaryDeployments, useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";
import { ACME_LEI, failed, load, ok, run } from "../tasks/helpers";
import { ACME_LEGAL_NAME, ReconcileActivity, reconcileActivity } from "./reconcile-activity";

/** The differences as [what, detail, wallet, token label, ledger, chain], to compare in one assertion. */
export const summary = (ds: readonly Difference[]) => ds.map((d) => [d.what, d.detail ?? null, d.wallet ?? null, d.tokenLabel, d.database.toString(), d.chain.toString()]);

/** Runs `change` on the ledger, then `body`, and undoes the change whatever happens. */
async function altered(db: LedgerDb, change: (tx: Queryable) => Promise<void>, body: () => Promise<void>): Promise<void> {
  await db.query("BEGIN");
  try {
    await change(db);
    await body();
  } finally {
    await db.query("ROLLBACK");
  }
}

describe("ledger: reconcile with the chain", function () {
  this.timeout(180_000);
  useTemporaryDeployments();
  const dir = useTemporaryDir("ledger-reconcile");
  let f: ReconcileActivity;
  let db: LedgerDb;
  let a: (s: { address: string }) => string;
  before(async function () {
    f = await load(reconcileActivity);
    db = await openLedger({ dir: await seedLedgerDir(path.join(dir(), "a")) });
    await syncLedger(db, ethers.provider, f.record);
    a = (s) => s.address.toLowerCase();
  });
  after(async function () {
    await db?.close();
  });

  it("finds no difference after a sync, having compared every balance, supply, locked leg, refund, pending redemptions and reserves figure", async function () {
    const r = await reconcileLedger(db, ethers.provider);
    expect(r.block).to.equal((await readCursor(db))!.lastBlock);
    expect(summary(r.differences)).to.deep.equal([]);
    // Two tokens; the escrow's locked legs and refund totals per token, Acme's refund; one desk, attested and available.
    expect(r.compared).to.deep.include({ supply: 2, locked: 2, refund: 3, redemptions: 1, reserves: 2 });
    expect(r.compared.balance).to.be.at.least(2 * 5);
    const [{ n }] = await db.query("SELECT count(*)::int AS n FROM movements");
    expect(n).to.be.greaterThan(10);
  });

  it("finds the escrow's open leg and the refund waiting for Acme on the chain as the ledger replays them", async function () {
    expect(await f.escrow.lockedBalance(f.sharesAddress)).to.equal(40n);
    expect(await f.escrow.pendingRefund(f.acme.address, f.usdAddress)).to.equal(77_00n);
    expect(await f.usd.pendingRedemptions()).to.equal(60_00n);
  });

  it("reconciles at an earlier block against the state of that block", async function () {
    const cursor = (await readCursor(db))!;
    const [{ n: before }] = await db.query<{ n: number }>("SELECT max(block_number)::int AS n FROM events WHERE name = 'RedemptionRequested'");
    const r = await reconcileLedger(db, ethers.provider, { at: before - 1 });
    expect(r.block).to.equal(before - 1);
    expect(summary(r.differences)).to.deep.equal([]);
    expect(cursor.lastBlock).to.be.greaterThan(before - 1);
  });

  it("reports a payment whose amount the ledger holds wrong as the balances of its payer and payee, and nothing else", async function () {
    const [m] = await db.query("SELECT tx_hash, log_index, from_address, to_address FROM movements WHERE kind = 'payment' AND token = $1 ORDER BY block_number LIMIT 1", [f.usdAddress]);
    await altered(db, (tx) => tx.query("UPDATE movements SET amount = amount + 1 WHERE tx_hash = $1 AND log_index = $2", [m.tx_hash, m.log_index]).then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      const [acme, globex] = [await f.usd.balanceOf(f.acme.address), await f.usd.balanceOf(f.globex.address)];
      expect(summary(r.differences)).to.deep.equal([
        ["balance", null, a(f.acme), "USD", (acme - 1n).toString(), acme.toString()],
        ["balance", null, a(f.globex), "USD", (globex + 1n).toString(), globex.toString()],
      ].sort((x, y) => String(x[2]).localeCompare(String(y[2]))));
      expect(r.differences.find((d) => d.wallet === a(f.acme))!.walletLabel).to.equal(`${ACME_LEGAL_NAME} (LEI ${ACME_LEI})`);
      expect(differenceLine(r.differences.find((d) => d.wallet === a(f.acme))!)).to.equal(
        `balance: balance of ${a(f.acme)} (${ACME_LEGAL_NAME} (LEI ${ACME_LEI})) in USD: ledger ${fmt(acme - 1n)} USD, chain ${fmt(acme)} USD`);
    });
  });

  it("reports an issuance missing from the ledger as the holder's balance and the token's supply", async function () {
    const [m] = await db.query<{ tx_hash: string; log_index: number; amount: string }>("SELECT tx_hash, log_index, amount::text AS amount FROM movements WHERE kind = 'issuance' AND token = $1", [f.sharesAddress]);
    await altered(db, (tx) => tx.query("DELETE FROM movements WHERE tx_hash = $1 AND log_index = $2", [m.tx_hash, m.log_index]).then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      const globex = await f.shares.balanceOf(f.globex.address);
      const isin = r.differences[0].tokenLabel;
      expect(summary(r.differences)).to.deep.equal([
        ["balance", null, a(f.globex), isin, (globex - BigInt(m.amount)).toString(), globex.toString()],
        ["supply", null, null, isin, "0", m.amount],
      ]);
      expect(isin).to.match(/^[A-Z]{2}[A-Z0-9]{9}\d$/);
    });
  });

  it("reports a locked leg the ledger lacks as the escrow's locked amount of that token", async function () {
    await altered(db, (tx) => tx.query("DELETE FROM events WHERE name = 'LegFunded' AND args->>'tradeId' = $1", [f.openTradeId]).then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      expect(summary(r.differences)).to.deep.equal([["locked", null, null, r.differences[0].tokenLabel, "0", "40"]]);
      expect(r.differences[0].token).to.equal(f.sharesAddress);
    });
  });

  it("reports a refund the ledger lacks as the token's pending refunds, the party's, and the leg still locked", async function () {
    await altered(db, (tx) => tx.query("DELETE FROM events WHERE name = 'RefundPending'").then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      expect(summary(r.differences)).to.deep.equal([
        ["locked", null, null, "USD", "7700", "0"],
        ["refund", "total", null, "USD", "0", "7700"],
      ]);
    });
    await altered(db, (tx) => tx.query("UPDATE events SET args = jsonb_set(args, '{amount}', '\"7600\"') WHERE name = 'RefundPending'").then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      expect(summary(r.differences)).to.deep.equal([
        ["locked", null, null, "USD", "100", "0"],
        ["refund", "total", null, "USD", "7600", "7700"],
        ["refund", "party", a(f.acme), "USD", "7600", "7700"],
      ]);
    });
  });

  it("reports a redemption the ledger holds as completed while pending as the token's pending redemptions", async function () {
    await altered(db, (tx) => tx.query("UPDATE redemptions SET status = 'completed' WHERE status = 'pending'").then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      expect(summary(r.differences)).to.deep.equal([["redemptions", null, null, "USD", "0", "6000"]]);
    });
  });

  it("reports an attested amount the ledger holds wrong as the desk's attested and available reserves", async function () {
    const attested = (await f.desk.attestation()).amount;
    const available = await f.desk.availableReserves();
    expect(available).to.equal(attested - 500_00n);
    await altered(db, (tx) => tx.query("UPDATE reserve_attestations SET amount = amount - 100").then(() => undefined), async () => {
      const r = await reconcileLedger(db, ethers.provider);
      const desk = a({ address: await f.desk.getAddress() });
      expect(summary(r.differences)).to.deep.equal([
        ["reserves", "attested", desk, "USD", (attested - 100n).toString(), attested.toString()],
        ["reserves", "available", desk, "USD", (available - 100n).toString(), available.toString()],
      ]);
      expect(r.differences[0].walletLabel).to.equal("IssuanceDesk:USD");
    });
  });

  it("refuses a block beyond the ledger's last indexed block, and one before the deployment, in one line each", async function () {
    const cursor = (await readCursor(db))!;
    await expect(reconcileLedger(db, ethers.provider, { at: cursor.lastBlock + 1 })).to.be.rejectedWith(
      `--at ${cursor.lastBlock + 1} is beyond the ledger's last indexed block ${cursor.lastBlock}: sync the ledger first, or reconcile at an earlier block`);
    expect(cursor.firstBlock).to.be.greaterThan(0);
    await expect(reconcileLedger(db, ethers.provider, { at: cursor.firstBlock - 1 })).to.be.rejectedWith(
      `--at ${cursor.firstBlock - 1} is before the deployment (its first block is ${cursor.firstBlock}): nothing was recorded there`);
  });

  for (const message of ["missing trie node 4e1f (path )", "header not found"]) {
    it(`says the node keeps no state at the block when it answers "${message}"`, async function () {
      const pruned = { send: (method: string, params: unknown[]) => (method === "eth_call" ? Promise.reject(Object.assign(new Error("could not coalesce error"), { error: { code: -32000, message } })) : ethers.provider.send(method, params)) };
      const cursor = (await readCursor(db))!;
      const failure = await reconcileLedger(db, pruned).catch((e) => e);
      expect(failure).to.include({ code: "NETWORK", message: `the node keeps no state at block ${cursor.lastBlock}: reconcile at a recent block or use an archive node (--gcmode archive)` });
    });
  }

  it("refuses a node of another chain", async function () {
    const other = { send: (method: string, params: unknown[]) => (method === "eth_getBlockByNumber" ? Promise.resolve({ hash: ethers.id("other") }) : ethers.provider.send(method, params)) };
    await expect(reconcileLedger(db, other)).to.be.rejectedWith(/the ledger indexed block \d+ with hash 0x[0-9a-f]{64}, but the node has hash .* there: a different chain/);
  });

  it("knows Acme by its latest legal name and its LEI", async function () {
    const [row] = await db.query("SELECT legal_name FROM participants WHERE id = $1", [participantId(ACME_LEI)]);
    expect(row.legal_name).to.equal(ACME_LEGAL_NAME);
  });
});

const fmt = (v: bigint) => {
  const s = ethers.formatUnits(v, 2);
  const [w, fr = ""] = s.split(".");
  return `${w.replace(/\B(?=(\d{3})+(?!\d))/g, ",")}.${fr.padEnd(2, "0")}`;
};

describe("ledger: the reconcile command", function () {
  this.timeout(180_000);
  useTemporaryDeployments();
  useTemporaryDir("ledger-reconcile-cli", { env: "LEDGER_DIR", ledger: true });

  it("prints one summary line with the counts compared when the ledger agrees, and each difference with a non-zero exit code when not", async function () {
    await load(reconcileActivity);
    ok(await run("ledger", { subcommand: "sync" }));
    const agreed = ok(await run("ledger", { subcommand: "reconcile" }));
    expect(agreed).to.match(/^ledger \S+ and the chain at block \d+: 0 differences of \d+ figures compared \(\d+ balances, 2 supplies, 2 locked amounts, 3 pending refunds, 1 pending redemptions figure, 2 reserves figures\) in [\d.]+ s$/);
    const json = JSON.parse(ok(await run("ledger", { subcommand: "reconcile", json: true })));
    expect(json).to.deep.include({ differences: [], compared: { ...json.compared, supply: 2 } });
    expect(json).to.not.have.property("error");

    // The ledger's redemption marked completed: one line, and the failure.
    const db = await openLedger({ dir: process.env.LEDGER_DIR! });
    await db.query("UPDATE redemptions SET status = 'completed' WHERE status = 'pending'");
    await db.close();
    const differs = await run("ledger", { subcommand: "reconcile" });
    expect(differs.exitCode).to.equal(1);
    expect(differs.lines).to.include("redemptions: pending redemptions in USD: ledger 0.00 USD, chain 60.00 USD");
    expect(failed(differs)).to.match(/^error: ledger \S+ and the chain at block \d+: 1 differences of \d+ figures compared/);
    const report = await run("ledger", { subcommand: "reconcile", json: true });
    expect(report.exitCode).to.equal(1);
    const parsed = JSON.parse(report.lines[0]);
    expect(parsed.error.code).to.equal("DIFFERS");
    expect(parsed.differences).to.deep.equal([{
      what: "redemptions", detail: null, wallet: null, participant: null, contract: null, token: parsed.differences[0].token, tokenLabel: "USD",
      database: "0", chain: "6000", databaseText: "0.00 USD", chainText: "60.00 USD",
    }]);

    expect(failed(await run("ledger", { subcommand: "reconcile", at: "latest" }))).to.equal(`error: --at "latest" is not a block number`);
    expect(failed(await run("ledger", { subcommand: "reconcile", at: "99999" }))).to.match(/^error: --at 99999 is beyond the ledger's last indexed block \d+: sync the ledger first, or reconcile at an earlier block$/);
  });
});
