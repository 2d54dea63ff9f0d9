import { expect } from "chai";
import path from "path";
import { ethers } from "hardhat";
import { participantId } from "../../lib/format";
import { LedgerDb, migrations, openLedger } from "../../lib/ledger/db";
import { syncLedger } from "../../lib/ledger/sync";
import { useTemporaryDeployments, useTemporaryDir } from "../helpers/temporary";
import { seedLedgerDir } from "../helpers/ledger";
import { ACME_LEI, GLOBEX_LEI, load, ok, run } from "../tasks/helpers";
import { ledgerRows } from "./activity";
import { ACME_LEGAL_NAME, reconcileActivity } from "./reconcile-activity";

describe("ledger: participants' legal names", function () {
  this.timeout(120_000);
  useTemporaryDeployments();
  const dir = useTemporaryDir("ledger-legal");
  let db: LedgerDb;
  after(async function () {
    await db?.close();
  });

  it("books the latest ParticipantLegalName of each participant, and each one as a change", async function () {
    const f = await load(reconcileActivity);
    db = await openLedger({ dir: await seedLedgerDir(path.join(dir(), "a")) });
    await syncLedger(db, ethers.provider, f.record);
    expect(await db.query("SELECT id, legal_name FROM participants WHERE legal_name IS NOT NULL ORDER BY legal_name")).to.deep.equal([
      { id: participantId(ACME_LEI), legal_name: ACME_LEGAL_NAME },
      { id: participantId(GLOBEX_LEI), legal_name: "Globex Markets Ltd" },
    ]);
    expect((await db.query("SELECT value FROM participant_changes WHERE change = 'legal_name' AND participant_id = $1 ORDER BY block_number", [participantId(ACME_LEI)])).map((r) => r.value))
      .to.deep.equal(["Acme Holdings", ACME_LEGAL_NAME]);
  });

  it("gives a ledger synced before migration 002 the legal names from its events when reopened, applying the migration once", async function () {
    const synced = await ledgerRows(db);
    // The ledger as a sync at migration 001 left it: no column, no legal_name change, participants updated by the other events only.
    await db.exec(`ALTER TABLE participants DROP COLUMN legal_name;
      DELETE FROM participant_changes WHERE change = 'legal_name';
      UPDATE participants p SET updated_block = (SELECT max(block_number) FROM participant_changes c WHERE c.participant_id = p.id);
      DELETE FROM schema_migrations WHERE version = 2`);
    expect((await db.query("SELECT version FROM schema_migrations")).map((r) => r.version)).to.deep.equal([1]);
    expect(await ledgerRows(db)).to.not.deep.equal(synced);
    await db.close();

    db = await openLedger({ dir: path.join(dir(), "a") });
    expect(await ledgerRows(db)).to.deep.equal(synced);
    const applied = await db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version");
    expect(applied.map((r) => [r.version, r.name])).to.deep.equal(migrations().map((m) => [m.version, m.name]));
    expect(applied[1]).to.deep.include({ version: 2, name: "participant_legal_name" });
    await db.close();

    db = await openLedger({ dir: path.join(dir(), "a") });
    expect(await db.query("SELECT version, name, applied_at FROM schema_migrations ORDER BY version")).to.deep.equal(applied);
    expect(await ledgerRows(db)).to.deep.equal(synced);
  });
});

describe("ledger: payments with legal names", function () {
  this.timeout(120_000);
  useTemporaryDeployments();
  useTemporaryDir("ledger-legal-cli", { env: "LEDGER_DIR", ledger: true });

  it("shows the participant and each counterparty as \"<legal name> (LEI ...)\", and --json gives the legal name beside the LEI", async function () {
    await load(reconcileActivity);
    ok(await run("ledger", { subcommand: "sync" }));
    const text = ok(await run("ledger", { subcommand: "payments", participant: GLOBEX_LEI }));
    expect(text).to.match(new RegExp(`^payments of Globex Markets Ltd \\(LEI ${GLOBEX_LEI}\\) from `, "m"));
    expect(text).to.match(new RegExp(`in\\s+100\\.00 USD\\s+${ACME_LEGAL_NAME} \\(LEI ${ACME_LEI}\\)`));
    const json = JSON.parse(ok(await run("ledger", { subcommand: "payments", participant: ACME_LEI, json: true })));
    expect(json.participant).to.deep.include({ lei: ACME_LEI, name: ACME_LEGAL_NAME });
    expect(json.payments[0].counterparty).to.deep.include({ lei: GLOBEX_LEI, name: "Globex Markets Ltd" });
  });
});
