import { expect } from "chai";
import path from "path";
import { ethers } from "hardhat";
import { informationReference } from "../../lib/payment-info";
import { LedgerDb, migrations, openLedger } from "../../lib/ledger/db";
import { findParticipant } from "../../lib/ledger/payments";
import { readCursor, syncLedger } from "../../lib/ledger/sync";
import { participantId } from "../../lib/format";
import { useTemporaryDeployments, useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";
import { ACME_LEI, GLOBEX_LEI, load } from "../tasks/helpers";
import { activity, INVOICE, ISO_PAYMENT, ledgerRows, PLAIN_REF } from "./activity";
import { expectActivityBooked } from "./expectations";

describe("ledger: sync on the in-process network", function () {
  this.timeout(120_000);
  useTemporaryDeployments();
  const dir = useTemporaryDir("ledger");
  // One chain and one ledger, step by step: the full sync, its rows, a second sync, more activity, a resume.
  let f: Awaited<ReturnType<typeof activity>>;
  let db: LedgerDb;
  let first: Awaited<ReturnType<typeof syncLedger>>;
  before(async function () {
    f = await load(activity);
    db = await openLedger({ dir: await seedLedgerDir(path.join(dir(), "a")) });
    first = await syncLedger(db, ethers.provider, f.record);
  });
  after(async function () {
    await db?.close();
  });

  it("books every movement, payment, batch, issuance, redemption, freeze, participant, trade and attestation of the activity", async function () {
    expect(first.resumed).to.equal(false);
    expect(first.toBlock).to.equal(await ethers.provider.getBlockNumber());
    expect(first.events).to.equal((await db.query("SELECT count(*)::int AS n FROM events"))[0].n).and.to.be.greaterThan(100);
    await expectActivityBooked(db, f);
  });

  it("keeps only the information whose hash is a reference of an event of its transaction", async function () {
    const info = await db.query("SELECT reference, text_reference, uetr, end_to_end_id, remittance FROM payment_information ORDER BY reference");
    expect(info).to.have.deep.members([
      { reference: informationReference(INVOICE), text_reference: "INV-2027-001", uetr: null, end_to_end_id: null, remittance: null },
      { reference: informationReference(ISO_PAYMENT), text_reference: null, uetr: ISO_PAYMENT.uetr, end_to_end_id: ISO_PAYMENT.endToEndId, remittance: ISO_PAYMENT.remittance },
    ]);
    const [forged] = await db.query("SELECT p.amount::text AS amount, i.remittance FROM payments p LEFT JOIN payment_information i ON i.tx_hash = p.tx_hash WHERE p.reference = $1", [PLAIN_REF]);
    expect(forged).to.deep.equal({ amount: "700", remittance: null });
  });

  it("resolves participants by LEI, name or id, and names an unknown one", async function () {
    const acme = await findParticipant(db, ACME_LEI);
    expect(acme).to.deep.equal({ id: participantId(ACME_LEI), name: `LEI:${ACME_LEI}`, wallets: [f.acme.address.toLowerCase()] });
    expect((await findParticipant(db, participantId(GLOBEX_LEI))).wallets).to.deep.equal([f.globex.address.toLowerCase()]);
    await expect(findParticipant(db, "Initech")).to.be.rejectedWith(`--participant "Initech" is not a participant in the ledger (id ${participantId("Initech")})`);
  });

  it("refuses a ledger that follows another network", async function () {
    await expect(syncLedger(db, ethers.provider, { ...f.record, network: "qbft", chainId: 1337 }))
      .to.be.rejectedWith(`follows network "hardhat" (chain id 31337), not "qbft" (chain id 1337)`);
  });

  it("adds nothing on a second sync, and resumes from its cursor after more activity", async function () {
    const before = await ledgerRows(db);
    const again = await syncLedger(db, ethers.provider, f.record);
    expect(again).to.include({ resumed: true, blocks: 0, events: 0, rows: 0 });
    expect(await ledgerRows(db)).to.deep.equal(before);

    await (await f.usd.connect(f.globex).transferWithReference(f.acme.address, 42_00n, ethers.encodeBytes32String("AFTER-1"))).wait();
    const resumed = await syncLedger(db, ethers.provider, f.record);
    expect(resumed).to.include({ resumed: true, fromBlock: first.toBlock + 1, toBlock: first.toBlock + 1, blocks: 1, events: 2 });
    const after = await db.query("SELECT kind, amount::text AS amount, from_address FROM movements WHERE block_number = $1", [first.toBlock + 1]);
    expect(after).to.deep.equal([{ kind: "payment", amount: "4200", from_address: f.globex.address.toLowerCase() }]);
    expect((await readCursor(db))!.lastBlock).to.equal(first.toBlock + 1);
  });

  it("gives, with a block range of 2, the same rows as the resumed ledger", async function () {
    const small = await openLedger({ dir: await seedLedgerDir(path.join(dir(), "small")) });
    try {
      let ranges = 0;
      await syncLedger(small, ethers.provider, f.record, { blockRange: 2, onRange: () => (ranges += 1) });
      const blocks = (await ethers.provider.getBlockNumber()) - (await readCursor(small))!.firstBlock + 1;
      expect(ranges).to.equal(Math.ceil(blocks / 2));
      expect(await ledgerRows(small)).to.deep.equal(await ledgerRows(db));
    } finally {
      await small.close();
    }
  });

  it("refuses to resume when the chain's block at the cursor has another hash (a different chain)", async function () {
    const cursor = (await readCursor(db))!;
    const other = ethers.id("another chain");
    await db.query("UPDATE sync_cursor SET last_hash = $1", [other]);
    try {
      await expect(syncLedger(db, ethers.provider, f.record)).to.be.rejectedWith(
        `indexed block ${cursor.lastBlock} with hash ${other}, but the chain of network "hardhat" has hash ${cursor.lastHash} there: a different chain`);
    } finally {
      await db.query("UPDATE sync_cursor SET last_hash = $1", [cursor.lastHash]);
    }
  });

  it("applies each migration once, in order, recorded in schema_migrations, and none again on reopening", async function () {
    const applied = await db.query("SELECT version, name FROM schema_migrations ORDER BY version");
    expect(applied).to.deep.equal(migrations().map((m) => ({ version: m.version, name: m.name })));
    expect(applied[0]).to.deep.equal({ version: 1, name: "ledger" });
    const rows = await ledgerRows(db);
    await db.close();
    db = await openLedger({ dir: path.join(dir(), "a") });
    expect(await db.query("SELECT version, name FROM schema_migrations ORDER BY version")).to.deep.equal(applied);
    expect(await ledgerRows(db)).to.deep.equal(rows);
  });

  it("refuses a PGlite folder that a running process holds open", async function () {
    await expect(openLedger({ dir: path.join(dir(), "a") })).to.be.rejectedWith(`is in use by process ${process.pid} (another sync or command); wait for it to end`);
  });

  it("retries a dropped connection to the node, and stops at any other error", async function () {
    await (await f.usd.connect(f.acme).transfer(f.globex.address, 1n)).wait();
    const failing = (message: string, times: number) => {
      let left = times;
      return { send: async (method: string, params: unknown[]) => (method === "eth_getLogs" && left-- > 0 ? Promise.reject(new Error(message)) : ethers.provider.send(method, params)) };
    };
    await expect(syncLedger(db, failing("invalid block range", 1), f.record)).to.be.rejectedWith("invalid block range");
    await expect(syncLedger(db, failing("other side closed", 3), f.record)).to.be.rejectedWith("other side closed");
    const r = await syncLedger(db, failing("other side closed", 2), f.record);
    expect(r).to.include({ blocks: 1, events: 1 });
  });

  it("names a database it cannot reach by its URL without the password, and the cause", async function () {
    await expect(openLedger({ url: "postgres://ledger:s3cret@127.0.0.1:8829/ledger" }))
      .to.be.rejectedWith(/^ledger database postgres:\/\/ledger@127\.0\.0\.1:8829\/ledger cannot be reached: .*ECONNREFUSED/);
  });
});
