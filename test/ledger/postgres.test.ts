import { expect } from "chai";
import { ethers } from "hardhat";
import { LedgerDb, openLedger } from "../../lib/ledger/db";
import { readCursor, syncLedger } from "../../lib/ledger/sync";
import { postgresBin, startPostgres, TestCluster } from "../helpers/postgres";
import { useTemporaryDeployments } from "../helpers/temporary";
import { load } from "../tasks/helpers";
import { activity, ledgerRows } from "./activity";
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
});
