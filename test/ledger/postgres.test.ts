import { expect } from "chai";
import { ethers } from "hardhat";
import { LedgerDb, openLedger } from "../../lib/ledger/db";
import { reconcileLedger } from "../../lib/ledger/reconcile";
import { readCursor, syncLedger } from "../../lib/ledger/sync";
import { postgresBin, startPostgres, TestCluster } from "../helpers/postgres";
import { useTemporaryDeployments } from "../helpers/temporary";
import { ACME_LEI, GLOBEX_LEI, load } from "../tasks/helpers";
import { activity, ledgerRows } from "./activity";
import { ACME_LEGAL_NAME, reconcileActivity } from "./reconcile-activity";
import { expectActivityBooked } from "./expectations";

const BIN = postgresBin();

describe("ledger: sync into PostgreSQL", function () {
  this.timeout(120_000);
  useTemporaryDeployments();
  let cluster: TestCluster | undefined;
  const opened: LedgerDb[] = [];

  before(async function () {
    if (!BIN) {
      if (process.env.LEDGER_POSTGRES === "required") throw new Error("LEDGER_POSTGRES=required, but no PostgreSQL is installed (/usr/lib/postgresql/*/bin/initdb)");
      console.log("    (skipped: no PostgreSQL installed at /usr/lib/postgresql/*/bin; install postgresql, or set LEDGER_POSTGRES=required to fail instead)");
      this.skip();
    }
    cluster = await startPostgres(BIN, 8810, 8819);
  });
  after(async function () {
    for (const db of opened.splice(0)) await db.close();
    await cluster?.stop();
  });
  const open = async (database: string) => {
    const admin = await openLedger({ url: cluster!.url });
    opened.push(admin);
    if (database !== "postgres") await admin.query(`CREATE DATABASE ${database}`);
    const db = database === "postgres" ? admin : await openLedger({ url: cluster!.url.replace(/\/postgres$/, `/${database}`) });
    if (db !== admin) opened.push(db);
    return db;
  };

  it("books every movement and state change in PostgreSQL as in PGlite, adds nothing on a second sync, and gives the same rows with a block range of 2", async function () {
    const f = await load(activity);
    const db = await open("postgres");
    const first = await syncLedger(db, ethers.provider, f.record);
    expect(first.toBlock).to.equal(await ethers.provider.getBlockNumber());
    await expectActivityBooked(db, f);
    const rows = await ledgerRows(db);
    expect(await syncLedger(db, ethers.provider, f.record)).to.include({ resumed: true, blocks: 0, events: 0, rows: 0 });
    expect(await ledgerRows(db)).to.deep.equal(rows);
    expect((await readCursor(db))!.lastBlock).to.equal(first.toBlock);

    const small = await open("ledger_small");
    await syncLedger(small, ethers.provider, f.record, { blockRange: 2 });
    expect(await ledgerRows(small)).to.deep.equal(rows);
  });

  it("reconciles a PostgreSQL ledger with the chain as a PGlite one: no difference after a sync, and a wrong payment named by its two balances", async function () {
    const f = await load(reconcileActivity);
    const db = await open("ledger_reconcile");
    await syncLedger(db, ethers.provider, f.record);
    const clean = await reconcileLedger(db, ethers.provider);
    expect(clean.differences).to.deep.equal([]);
    expect(clean.compared).to.deep.include({ supply: 2, locked: 2, refund: 3, redemptions: 1, reserves: 2 });
    const [{ block }] = await db.query<{ block: number }>("SELECT max(block_number)::int - 3 AS block FROM events");
    expect((await reconcileLedger(db, ethers.provider, { at: block })).differences).to.deep.equal([]);

    const [m] = await db.query("SELECT tx_hash, log_index FROM movements WHERE kind = 'payment' ORDER BY block_number LIMIT 1");
    await db.query("UPDATE movements SET amount = amount - 5 WHERE tx_hash = $1 AND log_index = $2", [m.tx_hash, m.log_index]);
    const r = await reconcileLedger(db, ethers.provider);
    const acme = await f.usd.balanceOf(f.acme.address);
    expect(r.differences.map((d) => [d.what, d.wallet, d.walletLabel, (d.database - d.chain).toString()])).to.deep.equal([
      ["balance", f.acme.address.toLowerCase(), `${ACME_LEGAL_NAME} (LEI ${ACME_LEI})`, "5"],
      ["balance", f.globex.address.toLowerCase(), `Globex Markets Ltd (LEI ${GLOBEX_LEI})`, "-5"],
    ].sort((x, y) => x[1].localeCompare(y[1])));
    expect(r.differences.find((d) => d.wallet === f.acme.address.toLowerCase())!.chain).to.equal(acme);
  });
});
