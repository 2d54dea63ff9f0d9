import { expect } from "chai";
import path from "path";
import { LedgerDb, openLedger, Queryable } from "../../lib/ledger/db";
import { insertRows, MAX_PARAMETERS } from "../../lib/ledger/sync";
import { useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";

const COLUMNS = ["number", "hash", "time"];
const block = (n: number) => [n, `0x${n.toString(16).padStart(64, "0")}`, new Date(Date.UTC(2027, 0, 1) + n * 1000)];

describe("ledger: multi-row inserts", function () {
  this.timeout(60_000);
  const dir = useTemporaryDir("ledger-insert");
  let db: LedgerDb;
  /** The database, recording the number of parameters of each statement it runs. */
  let counted: Queryable;
  let statements: number[];
  before(async function () {
    db = await openLedger({ dir: await seedLedgerDir(path.join(dir(), "db")) });
  });
  beforeEach(function () {
    statements = [];
    counted = {
      query: (sql, params = []) => {
        statements.push(params.length);
        return db.query(sql, params);
      },
      exec: (sql) => db.exec(sql),
    };
  });
  after(async function () {
    await db?.close();
  });

  it("splits rows into statements of at most the given number of parameters, and writes every row", async function () {
    const inserted = await insertRows(counted, "blocks", COLUMNS, Array.from({ length: 25 }, (_, i) => block(i)), "number", 10);
    expect(statements).to.deep.equal([9, 9, 9, 9, 9, 9, 9, 9, 3]);
    expect(inserted.map((r) => Number(r.number))).to.deep.equal(Array.from({ length: 25 }, (_, i) => i));
    const stored = await db.query("SELECT number, hash FROM blocks WHERE number < 25 ORDER BY number");
    expect(stored.map((r) => [Number(r.number), r.hash])).to.deep.equal(Array.from({ length: 25 }, (_, i) => [i, block(i)[1]]));
  });

  it("skips rows whose key is already stored and returns only the rows it inserted", async function () {
    const inserted = await insertRows(counted, "blocks", COLUMNS, [block(3), block(25), block(4), block(26)], "number");
    expect(inserted.map((r) => Number(r.number))).to.deep.equal([25, 26]);
    expect(statements).to.deep.equal([12]);
  });

  it("keeps each statement within PostgreSQL's 65,535 parameters when the rows need more", async function () {
    const rows = Array.from({ length: 30_000 }, (_, i) => block(1000 + i));
    const inserted = await insertRows(counted, "blocks", COLUMNS, rows);
    expect(MAX_PARAMETERS).to.equal(65_535);
    expect(statements).to.deep.equal([21_845 * 3, (30_000 - 21_845) * 3]);
    expect(inserted).to.have.length(30_000);
    expect((await db.query("SELECT count(*)::int AS n FROM blocks WHERE number >= 1000"))[0].n).to.equal(30_000);
  });

  it("refuses a row with a value missing, naming the table", async function () {
    await expect(insertRows(counted, "blocks", COLUMNS, [block(99), [100, "0x00"]])).to.be.rejectedWith("a row of blocks has 2 values for 3 columns");
    expect(statements).to.deep.equal([]);
  });
});
