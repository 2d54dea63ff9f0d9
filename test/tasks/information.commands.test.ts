import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import type { SignedPaymentFile } from "../../lib/payments";
import { appendInformation, informationReference, PaymentInformation, readInformation } from "../../lib/payment-info";
import { participantId } from "../../lib/format";
import { useTemporaryDir } from "../helpers/temporary";
import { ACME_LEI, GLOBEX_LEI, failed, funded, load, ok, run, useTemporaryDeployments } from "./helpers";

const usd = (x: string) => ethers.parseUnits(x, 2);
const UETR = "8a562c67-ca16-48ba-b074-65581be6f001";

describe("Payment information commands: ISO 20022 identifiers travel with the payment and read back from the chain", function () {
  useTemporaryDeployments();
  const dir = useTemporaryDir("information", { each: true });
  const file = (name: string) => path.join(dir(), name);

  /** The information the mined transaction of a printed "tx 0x..." carries. */
  async function carried(printed: string): Promise<Map<string, PaymentInformation>> {
    const hash = printed.match(/tx (0x[0-9a-f]{64})/)![1];
    return readInformation((await ethers.provider.getTransaction(hash))!.data);
  }

  it("transfers with a UETR, end-to-end id and remittance: the event's reference is their informationReference, and payment:list reads the text back", async function () {
    const { usd: token, acme, globex } = await load(funded);
    const info = { uetr: UETR, endToEndId: "E2E-2026-0042", remittance: "Invoice 2026-0042, March services" };
    ok(await run("participant:rename", { id: ACME_LEI, name: "Acme Treasury Ltd" }));
    const printed = ok(await run("token:transfer", { to: globex.address, amount: "250.00", from: acme.address, ...info }));
    const text = `end-to-end id E2E-2026-0042, UETR ${UETR}, remittance "Invoice 2026-0042, March services"`;
    // the payer by its recorded legal name beside its address; a payee with no name recorded by its address alone
    expect(printed).to.include(`paid 250.00 USD from Acme Treasury Ltd ${acme.address} to ${globex.address} with reference ${text}`);
    const [event] = await token.queryFilter(token.filters.ReferencedTransfer(acme.address, globex.address));
    expect(event.args.ref).to.equal(informationReference(info));
    expect((await carried(printed)).get(event.args.ref)).to.deep.equal(info);

    const listed = ok(await run("payment:list", { wallet: globex.address }));
    expect(listed).to.match(new RegExp(`^${event.blockNumber}\\s+Acme Treasury Ltd\\s+${participantId(GLOBEX_LEI)}\\s+250.00 USD\\s+${text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}$`, "m"));
    const json = JSON.parse(ok(await run("payment:list", { wallet: globex.address, json: true }))) as { payments: Record<string, unknown>[] };
    expect(json.payments).to.have.length(1);
    expect(json.payments[0]).to.include({
      from: acme.address, to: globex.address, amount: "25000", refHex: event.args.ref, reference: null,
      uetr: UETR, endToEndId: "E2E-2026-0042", remittance: "Invoice 2026-0042, March services", creditorReference: null, information: text,
    });
  });

  it("generates and prints a fresh UETR when an ISO 20022 option is given without --uetr, and carries a creditor reference without spaces", async function () {
    const { usd: token, acme, globex } = await load(funded);
    const printed = ok(await run("token:transfer", { to: globex.address, amount: "1.00", from: acme.address, creditorReference: "RF18 5390 0754 7034" }));
    const uetr = printed.match(/^UETR ([0-9a-f-]{36}) generated for this payment$/m)![1];
    const info = { uetr, creditorReference: "RF18539007547034" };
    const [event] = await token.queryFilter(token.filters.ReferencedTransfer(acme.address, globex.address));
    expect(event.args.ref).to.equal(informationReference(info));
    const json = JSON.parse(ok(await run("payment:list", { json: true }))) as { payments: Record<string, unknown>[] };
    expect(json.payments.find((p) => p.refHex === event.args.ref)).to.include({ uetr, creditorReference: "RF18539007547034", remittance: null });
  });

  it("shows the hex of a reference whose transaction carries a text that does not hash to it", async function () {
    const { usd: token, acme, globex } = await load(funded);
    const ref = ethers.id("INV-REAL");
    const data = appendInformation(token.interface.encodeFunctionData("transferWithReference", [globex.address, usd("3.00"), ref]), [{ reference: "INV-FORGED" }]);
    await (await acme.sendTransaction({ to: await token.getAddress(), data })).wait();
    const json = JSON.parse(ok(await run("payment:list", { wallet: acme.address, json: true }))) as { payments: Record<string, unknown>[] };
    expect(json.payments.find((p) => p.refHex === ref)).to.include({ reference: null, information: null });
    expect(ok(await run("payment:list", { wallet: acme.address }))).to.match(new RegExp(`3.00 USD\\s+${ref}$`, "m"));
  });

  it("signs the information's reference into a signed-payment file with the information, and settles it with the text on chain", async function () {
    const { usd: token, acme, globex } = await load(funded);
    const info = { uetr: UETR, endToEndId: "E2E-SIGNED-1", remittance: "Order 77" };
    ok(await run("payment:sign", { from: acme.address, to: globex.address, amount: "40.00", out: file("p.json"), ...info }));
    const written = JSON.parse(fs.readFileSync(file("p.json"), "utf8")) as SignedPaymentFile;
    expect(written.information).to.deep.equal(info);
    expect(written.payment.ref).to.equal(informationReference(info));
    const settled = ok(await run("payment:settle", { file: file("p.json"), from: globex.address }));
    expect(settled).to.include(`reference end-to-end id E2E-SIGNED-1, UETR ${UETR}, remittance "Order 77"`);
    expect((await carried(settled)).get(informationReference(info))).to.deep.equal(info);
    expect(await token.balanceOf(globex.address)).to.equal(usd("40.00"));
  });

  it("settles a netted batch carrying each instruction's information, and refuses a file whose information does not hash to its signed reference, naming the file", async function () {
    const { usd: token, acme, globex } = await load(funded);
    const a = { uetr: UETR, endToEndId: "E2E-A" };
    const b = { uetr: "3d9e1f0a-7b2c-4e5d-9f60-1a2b3c4d5e6f", remittance: "Order 78" };
    ok(await run("payment:sign", { from: acme.address, to: globex.address, amount: "30.00", out: file("a.json"), ...a }));
    ok(await run("payment:sign", { from: acme.address, to: globex.address, amount: "20.00", out: file("b.json"), ...b }));
    const tampered = JSON.parse(fs.readFileSync(file("a.json"), "utf8")) as SignedPaymentFile;
    tampered.information = { ...a, endToEndId: "E2E-OTHER" };
    fs.writeFileSync(file("t.json"), JSON.stringify(tampered));
    const [before, block] = [await token.balanceOf(acme.address), await ethers.provider.getBlockNumber()];
    expect(failed(await run("payment:settle-batch", { files: `${file("b.json")},${file("t.json")}`, from: globex.address })))
      .to.equal(`error: ${file("t.json")}: its information does not hash to its signed reference ${informationReference(a)} (it hashes to ${informationReference(tampered.information)}): the text was changed after signing; nothing was sent`);
    expect([await token.balanceOf(acme.address), await ethers.provider.getBlockNumber()]).to.deep.equal([before, block]);

    const settled = ok(await run("payment:settle-batch", { files: `${file("a.json")},${file("b.json")}`, from: globex.address }));
    const infos = await carried(settled);
    expect([infos.get(informationReference(a)), infos.get(informationReference(b))]).to.deep.equal([a, b]);
    const json = JSON.parse(ok(await run("payment:list", { wallet: acme.address, json: true }))) as { payments: Record<string, unknown>[] };
    expect(json.payments.map((p) => [p.endToEndId, p.remittance])).to.deep.equal([["E2E-A", null], [null, "Order 78"]]);
  });

  it("refuses malformed ISO 20022 options, --ref beside them and a signed payment with neither, in one line, and sends nothing", async function () {
    const { usd: token, acme, globex } = await load(funded);
    const [acmeBefore, globexBefore, block] = [await token.balanceOf(acme.address), await token.balanceOf(globex.address), await ethers.provider.getBlockNumber()];
    const transfer = (extra: Record<string, string>) => run("token:transfer", { to: globex.address, amount: "5.00", from: acme.address, ...extra });
    expect(failed(await transfer({ uetr: "8a562c67-ca16-38ba-b074-65581be6f001" })))
      .to.equal('error: --uetr "8a562c67-ca16-38ba-b074-65581be6f001" is not a UETR: a UUID version 4 such as 8a562c67-ca16-48ba-b074-65581be6f001 (36 characters, the 13th digit 4, the 17th 8, 9, a or b)');
    expect(failed(await transfer({ endToEndId: "E".repeat(36) })))
      .to.equal(`error: --end-to-end-id "${"E".repeat(36)}" has 36 characters; ISO 20022 allows at most 35`);
    expect(failed(await transfer({ creditorReference: "RF19 5390 0754 7034" })))
      .to.equal('error: --creditor-reference "RF19 5390 0754 7034" has wrong check digits 19 (ISO 11649 mod 97): check the reference');
    expect(failed(await transfer({ ref: "INV-1", uetr: UETR })))
      .to.equal("error: --ref and ISO 20022 identifiers are not given together: with a UETR or remittance information, give the payer's reference as --end-to-end-id");
    expect(failed(await run("payment:sign", { from: acme.address, to: globex.address, amount: "5.00", ref: "INV-1", remittance: "x", out: file("x.json") })))
      .to.equal("error: --ref and ISO 20022 identifiers are not given together: with a UETR or remittance information, give the payer's reference as --end-to-end-id");
    expect(failed(await run("payment:sign", { from: acme.address, to: globex.address, amount: "5.00", out: file("x.json") })))
      .to.equal("error: --ref or ISO 20022 identifiers (--uetr, --end-to-end-id, --remittance, --creditor-reference) are needed: a signed payment carries a reference");
    expect(fs.existsSync(file("x.json"))).to.equal(false);
    expect([await token.balanceOf(acme.address), await token.balanceOf(globex.address), await ethers.provider.getBlockNumber()])
      .to.deep.equal([acmeBefore, globexBefore, block]);
  });

  it("carries the issuance deposit reference and the forced transfer's legal reference as text", async function () {
    const { acme, globex, issuer, compliance } = await load(funded);
    const issued = ok(await run("token:issue", { to: globex.address, amount: "100.00", depositRef: "DEP-2026-7", from: issuer.address }));
    expect((await carried(issued)).get(ethers.id("DEP-2026-7"))).to.deep.equal({ reference: "DEP-2026-7" });
    const forced = ok(await run("token:force-transfer", { wallet: acme.address, to: globex.address, amount: "1.00", legalRef: "Court order 2026/115", from: compliance.address }));
    expect((await carried(forced)).get(ethers.id("Court order 2026/115"))).to.deep.equal({ reference: "Court order 2026/115" });
  });
});
