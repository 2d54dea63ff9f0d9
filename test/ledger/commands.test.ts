import { expect } from "chai";
import { informationReference } from "../../lib/payment-info";
import { useTemporaryDeployments, useTemporaryDir } from "../helpers/temporary";
import { ACME_LEI, failed, GLOBEX_LEI, load, ok, run } from "../tasks/helpers";
import { activity, INVOICE, ISO_PAYMENT } from "./activity";

describe("ledger: commands", function () {
  this.timeout(120_000);
  useTemporaryDeployments();
  useTemporaryDir("ledger-cli", { env: "LEDGER_DIR", ledger: true });

  it("syncs, then lists a participant's payments with booking time, direction, amount, counterparty, reference and ISO fields", async function () {
    await load(activity);
    const synced = ok(await run("ledger", { subcommand: "sync" }));
    expect(synced).to.match(/^indexed blocks \d+\.\.\d+ \(\d+ blocks\): \d+ events, \d+ rows in [\d.]+ s \(\d+ events\/s\) into /m);

    const json = JSON.parse(ok(await run("ledger", { subcommand: "payments", participant: ACME_LEI, from: "2000-01-01", json: true })));
    expect(json.participant).to.deep.include({ lei: ACME_LEI, name: null });
    const rows = json.payments.map((p: Record<string, unknown>) => [p.direction, p.amountText, (p.counterparty as { lei: string }).lei, p.reference, p.uetr, p.endToEndId, p.remittance, p.batch]);
    expect(rows).to.deep.equal([
      ["out", "100.00 USD", GLOBEX_LEI, null, null, null, null, false],
      ["out", "250.00 USD", GLOBEX_LEI, "INV-2027-001", null, null, null, false],
      ["out", "1,234.56 USD", GLOBEX_LEI, informationReference(ISO_PAYMENT), ISO_PAYMENT.uetr, ISO_PAYMENT.endToEndId, ISO_PAYMENT.remittance, false],
      ["out", "7.00 USD", GLOBEX_LEI, "PLAIN-7", null, null, null, false],
      ["out", "300.00 USD", GLOBEX_LEI, "BATCH-1", null, null, null, true],
      ["in", "120.00 USD", GLOBEX_LEI, "BATCH-2", null, null, null, true],
    ]);
    expect(json.payments[1]).to.deep.include({ currency: "USD", amount: "25000", referenceHex: informationReference(INVOICE) });
    expect(json.payments[0].txHash).to.match(/^0x[0-9a-f]{64}$/);
    expect(json.payments[0].time).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    // Text: one row per payment; a period before the activity has none.
    const text = ok(await run("ledger", { subcommand: "payments", participant: GLOBEX_LEI }));
    expect(text).to.match(new RegExp(`^payments of LEI ${GLOBEX_LEI} from 1970-01-01T00:00:00Z to the last block \\(ledger at block \\d+\\): 6$`, "m"));
    expect(text).to.match(new RegExp(`in\\s+1,234\\.56 USD\\s+LEI ${ACME_LEI}\\s+${informationReference(ISO_PAYMENT)}\\s+${ISO_PAYMENT.uetr}\\s+${ISO_PAYMENT.endToEndId}\\s+${ISO_PAYMENT.remittance}`));
    expect(ok(await run("ledger", { subcommand: "payments", participant: GLOBEX_LEI, to: "2001-01-01" }))).to.match(/: 0$/);
  });

  it("names an unknown participant, a wrong date and an unknown subcommand in one line each", async function () {
    await load(activity);
    ok(await run("ledger", { subcommand: "sync" }));
    expect(failed(await run("ledger", { subcommand: "payments", participant: "Initech" }))).to.match(/^error: --participant "Initech" is not a participant in the ledger \(id 0x[0-9a-f]{64}\); check the LEI or name, or sync the ledger first$/);
    expect(failed(await run("ledger", { subcommand: "payments", participant: ACME_LEI, from: "yesterday" }))).to.equal(`error: --from "yesterday" is not a date (YYYY-MM-DD, ISO 8601) or unix seconds`);
    expect(failed(await run("ledger", { subcommand: "audit" }))).to.equal(`error: unknown ledger subcommand "audit": use sync or payments or reconcile or statement`);
    const json = JSON.parse((await run("ledger", { subcommand: "payments", participant: "Initech", json: true })).lines[0]);
    expect(json.error.code).to.equal("NOT_FOUND");
  });
});
