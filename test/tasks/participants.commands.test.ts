import { expect } from "chai";
import { ethers } from "hardhat";
import { participantId } from "../../lib/format";
import { ACME_LEI, deployed, failed, GLOBEX_LEI, load, ok, run, useTemporaryDeployments } from "./helpers";

/** ACME_LEI with its last check digit mistyped. */
const MISTYPED_LEI = "5493001KJTIIGC8Y1R13";

describe("Participant commands: LEIs checked, legal names recorded apart (Hardhat tasks)", function () {
  useTemporaryDeployments();

  it("onboards an institution with its LEI and legal name, recorded apart and shown as 'legal name (LEI ...)'", async function () {
    const { registry, acme } = await load(deployed);
    const onboarded = JSON.parse(ok(await run("participant:onboard", { id: ACME_LEI.toLowerCase(), name: " Initech Corp. ", wallets: acme.address, kycExpiry: "2030-12-31", json: true }))) as Record<string, unknown>;
    expect([onboarded.id, onboarded.lei, onboarded.name]).to.deep.equal([participantId(ACME_LEI), ACME_LEI, "Initech Corp."]);
    const id = participantId(ACME_LEI);
    expect((await registry.queryFilter(registry.filters.ParticipantNamed(id))).map((e) => e.args.name)).to.deep.equal([`LEI:${ACME_LEI}`]);
    expect((await registry.queryFilter(registry.filters.ParticipantLegalName(id))).map((e) => e.args.legalName)).to.deep.equal(["Initech Corp."]);
    expect(ok(await run("participant:list"))).to.match(new RegExp(`^Initech Corp\\. \\(LEI ${ACME_LEI}\\)\\s+Active\\s+2030-12-31T23:59:59Z\\s+${acme.address}\\s+${id}$`, "m"));
    expect(ok(await run("participant:show", { wallet: acme.address }))).to.include(`participant Initech Corp. (LEI ${ACME_LEI}) (id ${id})`);
    const shown = JSON.parse(ok(await run("participant:show", { id: ACME_LEI, json: true }))) as Record<string, unknown>;
    expect([shown.lei, shown.name, shown.status]).to.deep.equal([ACME_LEI, "Initech Corp.", "Active"]);
    expect(ok(await run("participant:suspend", { id: ACME_LEI }))).to.include(`\nparticipant Initech Corp. (LEI ${ACME_LEI}) is now Suspended`);
  });

  it("records a new legal name with participant:rename; the latest one is shown, the LEI kept", async function () {
    const { acme } = await load(deployed);
    ok(await run("participant:onboard", { id: ACME_LEI, name: "Initech Corp.", wallets: acme.address, kycExpiry: "2030-12-31" }));
    expect(ok(await run("participant:rename", { id: ACME_LEI, name: "Initech Holdings Corp." })))
      .to.include(`\nparticipant Initech Corp. (LEI ${ACME_LEI}) is now Initech Holdings Corp. (LEI ${ACME_LEI})`);
    const listed = JSON.parse(ok(await run("participant:list", { json: true }))) as { participants: Record<string, unknown>[] };
    expect(listed.participants.map((p) => [p.lei, p.name])).to.deep.equal([[null, "DVP-ESCROW"], [null, "FX-QUOTES"], [ACME_LEI, "Initech Holdings Corp."]]);
  });

  it("gives a participant onboarded by its LEI alone a legal name later", async function () {
    const { globex } = await load(deployed);
    ok(await run("participant:onboard", { id: GLOBEX_LEI, wallets: globex.address, kycExpiry: "2030-12-31" }));
    expect(ok(await run("participant:show", { id: GLOBEX_LEI }))).to.include(`participant LEI ${GLOBEX_LEI} (id`);
    const renamed = JSON.parse(ok(await run("participant:rename", { id: GLOBEX_LEI, name: "Globex Markets Ltd", json: true }))) as Record<string, unknown>;
    expect([renamed.id, renamed.lei, renamed.name]).to.deep.equal([participantId(GLOBEX_LEI), GLOBEX_LEI, "Globex Markets Ltd"]);
    expect(ok(await run("participant:show", { id: GLOBEX_LEI }))).to.include(`participant Globex Markets Ltd (LEI ${GLOBEX_LEI}) (id`);
  });

  it("refuses an LEI with wrong check digits in one line naming --id and the rule, and sends nothing (never taken as a name)", async function () {
    const { registry, acme } = await load(deployed);
    ok(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31" }));
    const block = await ethers.provider.getBlockNumber();
    const rule = `--id "${MISTYPED_LEI}" has wrong check digits 13 (ISO 17442 mod 97-10): check the LEI`;
    expect(failed(await run("participant:onboard", { id: MISTYPED_LEI, name: "Initech Corp.", wallets: ethers.Wallet.createRandom().address, kycExpiry: "2030-12-31" }))).to.equal(`error: ${rule}`);
    expect(failed(await run("participant:rename", { id: MISTYPED_LEI, name: "Initech Corp." }))).to.equal(`error: ${rule}`);
    expect(failed(await run("participant:suspend", { id: MISTYPED_LEI }))).to.equal(`error: ${rule}`);
    expect(failed(await run("participant:show", { id: MISTYPED_LEI.toLowerCase() }))).to.equal(`error: --id "${MISTYPED_LEI.toLowerCase()}" has wrong check digits 13 (ISO 17442 mod 97-10): check the LEI`);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    expect((await registry.getParticipant(ethers.id(MISTYPED_LEI)))[0]).to.equal(0n);
    expect((await registry.getParticipant(ethers.id(`LEI:${MISTYPED_LEI}`)))[0]).to.equal(0n);
  });

  it("refuses a legal name that is empty, too long or holds a hidden character, before anything is sent", async function () {
    const { acme } = await load(deployed);
    const block = await ethers.provider.getBlockNumber();
    const onboard = (name: string) => run("participant:onboard", { id: ACME_LEI, name, wallets: acme.address, kycExpiry: "2030-12-31" });
    expect(failed(await onboard("Initech\u202E Corp."))).to.equal("error: --name has an invisible format character at character 8 (U+202E): a reference with one can look like another; type it again without it");
    expect(failed(await onboard("  "))).to.equal("error: --name is empty: give the institution's legal name");
    expect(failed(await onboard("A".repeat(141)))).to.equal("error: --name is 141 bytes of UTF-8; a legal name is at most 140");
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("refuses to rename a participant that was never onboarded, by NOT_FOUND, sending nothing", async function () {
    await load(deployed);
    const block = await ethers.provider.getBlockNumber();
    const r = await run("participant:rename", { id: GLOBEX_LEI, name: "Globex Markets Ltd", json: true });
    expect(r.exitCode).to.equal(1);
    expect(JSON.parse(r.lines[0])).to.deep.equal({ error: { code: "NOT_FOUND", message: `no participant LEI ${GLOBEX_LEI} (id ${participantId(GLOBEX_LEI)})` } });
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("shows a legal name recorded on chain with a hidden character as its code point", async function () {
    const { registry, compliance, acme } = await load(deployed);
    ok(await run("participant:onboard", { id: ACME_LEI, wallets: acme.address, kycExpiry: "2030-12-31" }));
    await registry.connect(compliance).setLegalName(participantId(ACME_LEI), "Initech\u202E Corp.");
    expect(ok(await run("participant:show", { id: ACME_LEI }))).to.include(`participant Initech\\u{202E} Corp. (LEI ${ACME_LEI})`);
    const shown = JSON.parse(ok(await run("participant:show", { id: ACME_LEI, json: true }))) as Record<string, unknown>;
    expect(shown.name).to.equal("Initech\\u{202E} Corp.");
  });
});
