import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { SignedPaymentFile, signPayment, signedPaymentFile, signedPaymentFileText, tokenDomain } from "../../lib/payments";
import { paymentTerms } from "../helpers/payments";
import { useTemporaryDir } from "../helpers/temporary";
import { isoDate, participantId } from "../../lib/format";
import { ACME_LEI, GLOBEX_LEI, failed, funded, load, ok, run, useTemporaryDeployments } from "./helpers";

const usd = (x: string) => ethers.parseUnits(x, 2);
const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");

describe("Signed payment commands (Hardhat tasks)", function () {
  useTemporaryDeployments();
  const dir = useTemporaryDir("payments", { each: true });
  const file = (name: string) => path.join(dir(), name);

  async function sign(from: string, to: string, amount: string, ref: string, name: string, extra: Record<string, unknown> = {}) {
    return ok(await run("payment:sign", { from, to, amount, ref, out: file(name), ...extra }));
  }

  it("signs a payment into a file without sending anything, and settles it once", async function () {
    const { usd: token, acme, globex, outsider } = await load(funded);
    const block = await ethers.provider.getBlockNumber();
    const printed = await sign(acme.address, globex.address, "1250.00", "INV-2026-0001", "p1.json");
    expect(printed).to.match(new RegExp(`^signed by ${acme.address}: pay 1,250.00 USD to ${globex.address} ref "INV-2026-0001", valid until \\S+: ${file("p1.json")}$`));
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
    const written = JSON.parse(fs.readFileSync(file("p1.json"), "utf8")) as SignedPaymentFile;
    expect(written.token).to.equal(await token.getAddress());
    expect(written.chainId).to.equal("31337");
    expect(written.payment).to.include({ from: acme.address, to: globex.address, value: "125000", ref: ethers.id("INV-2026-0001") });
    expect(written.information).to.deep.equal({ reference: "INV-2026-0001" }); // the text travels when it settles

    // anyone allowed may submit it; the submitter here is the payee
    const settled = ok(await run("payment:settle", { file: file("p1.json"), from: globex.address }));
    // the reference's text travelled in the settling transaction and is read back from it
    expect(settled).to.include(`paid 1,250.00 USD from ${acme.address} to ${globex.address}, reference "INV-2026-0001"`);
    expect(await token.balanceOf(globex.address)).to.equal(usd("1250.00"));
    const [event] = await token.queryFilter(token.filters.ReferencedTransfer(acme.address, globex.address));
    expect(event.args.ref).to.equal(ethers.id("INV-2026-0001"));
    expect(failed(await run("payment:settle", { file: file("p1.json"), from: globex.address })))
      .to.match(/^error: pay 1,250.00 USD from .* refused: AuthorizationAlreadyUsed: nonce 0x[0-9a-f]{64} of 0x[0-9a-fA-F]{40} is used: that signed payment has settled or was cancelled; nothing was sent$/);
    // a submitter that is not onboarded is refused before sending
    expect(failed(await run("payment:settle", { file: file("p1.json"), from: outsider.address })))
      .to.include(`refused: ParticipantNotAllowed: ${outsider.address} (not linked to any participant); nothing was sent`);
  });

  it("settles a netted batch: prints net positions first, then gross and net moved", async function () {
    const { usd: token, acme, globex } = await load(funded);
    await sign(acme.address, globex.address, "300.00", "INV-A", "a.json");
    await sign(acme.address, globex.address, "50.00", "INV-B", "b.json");
    ok(await run("payment:settle", { file: file("a.json"), from: acme.address })); // globex now holds 300.00
    await sign(globex.address, acme.address, "200.00", "INV-C", "c.json");
    await sign(acme.address, globex.address, "100.00", "INV-D", "d.json");
    const [acmeBefore, globexBefore] = [await token.balanceOf(acme.address), await token.balanceOf(globex.address)];
    const printed = ok(await run("payment:settle-batch", { files: [file("b.json"), file("c.json"), file("d.json")].join(","), from: globex.address }));
    expect(printed).to.include("net positions of 3 signed payments (gross 350.00 USD, net 50.00 USD):");
    expect(printed).to.match(new RegExp(`${acme.address}\\s+${participantId(ACME_LEI)}\\s+\\+50.00 USD`));
    expect(printed).to.match(new RegExp(`${globex.address}\\s+${participantId(GLOBEX_LEI)}\\s+-50.00 USD`));
    expect(printed).to.match(/settled 3 payments: gross 350.00 USD, net moved 50.00 USD \(85.7% of the liquidity saved\), gas \d+$/m);
    expect(await token.balanceOf(acme.address)).to.equal(acmeBefore + usd("50.00"));
    expect(await token.balanceOf(globex.address)).to.equal(globexBefore - usd("50.00"));
  });

  it("names the file of a refused instruction, and refuses files that do not belong to this deployment", async function () {
    const { usd: token, acme, globex, outsider } = await load(funded);
    await sign(acme.address, globex.address, "10.00", "INV-1", "ok.json");
    await sign(acme.address, outsider.address, "10.00", "INV-2", "outsider.json");
    const before = await token.balanceOf(acme.address);
    expect(failed(await run("payment:settle-batch", { files: `${file("ok.json")},${file("outsider.json")}`, from: globex.address })))
      .to.equal(`error: settle 2 signed payments netted refused: instruction 1 (${file("outsider.json")}): ParticipantNotAllowed: ${outsider.address} (not linked to any participant); nothing was sent`);
    expect(await token.balanceOf(acme.address)).to.equal(before);

    expect(failed(await run("payment:settle-batch", { files: `${file("ok.json")},${file("ok.json")}`, from: globex.address })))
      .to.equal(`error: ${file("ok.json")} and ${file("ok.json")} use the same nonce of ${acme.address}: a payment settles once; nothing was sent`);

    const tampered = JSON.parse(fs.readFileSync(file("ok.json"), "utf8")) as SignedPaymentFile;
    tampered.payment.value = "100000";
    fs.writeFileSync(file("tampered.json"), JSON.stringify(tampered));
    expect(failed(await run("payment:settle", { file: file("tampered.json"), from: globex.address })))
      .to.match(new RegExp(`^error: ${escape(file("tampered.json"))}: the signature does not match the file's content \\(it recovers to 0x[0-9a-fA-F]{40}, not the payer ${acme.address}\\): the terms were changed after signing, or it was signed for another token or chain; nothing was sent$`));

    const foreign = { ...tampered, chainId: "1" };
    fs.writeFileSync(file("foreign.json"), JSON.stringify(foreign));
    expect(failed(await run("payment:settle", { file: file("foreign.json"), from: globex.address })))
      .to.equal(`error: ${file("foreign.json")} was signed for token ${await token.getAddress()} on chain 1, not the USD deposit token ${await token.getAddress()} on chain 31337; nothing was sent`);
    expect(failed(await run("payment:sign", { from: acme.address, to: globex.address, amount: "1.00", ref: "X", nonce: "banana", out: file("x.json") })))
      .to.equal('error: --nonce "banana" is not a number (decimal or 0x hex)');
  });

  it("submits without --from from the first configured account that is an allowed participant not frozen on the token, and refuses naming --from when there is none", async function () {
    const { usd: token, registry, acme, globex, outsider, compliance } = await load(funded);
    await registry.connect(compliance).onboard(participantId("Initech"), [outsider.address], (await time.latest()) + 86_400);
    await sign(acme.address, globex.address, "10.00", "INV-1", "one.json");
    await sign(globex.address, outsider.address, "4.00", "INV-2", "two.json");
    const submittedBy = async (printed: string) => (await ethers.provider.getTransaction(printed.match(/tx (0x[0-9a-f]{64})/)![1]))!.from;
    // the deployer (account 0) is not a participant: Acme, the first configured account that is, submits
    expect(await submittedBy(ok(await run("payment:settle", { file: file("one.json") })))).to.equal(acme.address);
    // Acme frozen on the token: Globex, the next one allowed and not frozen, submits
    await token.connect(compliance).freeze(acme.address);
    expect(await submittedBy(ok(await run("payment:settle-batch", { files: file("two.json") })))).to.equal(globex.address);
    await token.connect(compliance).freeze(outsider.address);
    await token.connect(compliance).freeze(globex.address);
    const block = await ethers.provider.getBlockNumber();
    const none = 'no configured account of network "hardhat" is an allowed participant not frozen on USD, as a submitter must be: give one with --from; nothing was sent';
    expect(failed(await run("payment:settle", { file: file("one.json") }))).to.equal(`error: ${none}`);
    expect(failed(await run("payment:settle-batch", { files: file("one.json") }))).to.equal(`error: ${none}`);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });

  it("names a signed DvP trade file given as a signed payment for what it is", async function () {
    const { acme, globex } = await load(funded);
    fs.writeFileSync(file("trade.json"), JSON.stringify({ escrow: globex.address, chainId: "31337", terms: {}, signer: acme.address, signature: "0x" }));
    expect(failed(await run("payment:settle", { file: file("trade.json"), from: globex.address })))
      .to.equal(`error: ${file("trade.json")} is a signed DvP trade file, not a signed payment (dvp:settle-signed and dvp:settle-batch take it); nothing was sent`);
    expect(failed(await run("payment:settle-batch", { files: file("trade.json"), from: globex.address })))
      .to.equal(`error: ${file("trade.json")} is a signed DvP trade file, not a signed payment (dvp:settle-signed and dvp:settle-batch take it); nothing was sent`);
  });

  it("takes a --valid-after date as the start of that day UTC and a --valid-before date as its end, each bound checked alone", async function () {
    const { acme, globex } = await load(funded);
    const read = (name: string) => (JSON.parse(fs.readFileSync(file(name), "utf8")) as SignedPaymentFile).payment;
    const start = Date.parse("2030-06-30T00:00:00Z") / 1000;
    // only --valid-after, far after now: valid for 24 hours from the start of that day
    await sign(acme.address, globex.address, "1.00", "INV-1", "after.json", { validAfter: "2030-06-30" });
    expect([read("after.json").validAfter, read("after.json").validBefore]).to.deep.equal([String(start), String(start + 86_400)]);
    await sign(acme.address, globex.address, "1.00", "INV-2", "day.json", { validAfter: "2030-06-30", validBefore: "2030-06-30" });
    expect([read("day.json").validAfter, read("day.json").validBefore]).to.deep.equal([String(start), String(start + 86_399)]);
    const now = (await ethers.provider.getBlock("latest"))!.timestamp;
    expect(failed(await run("payment:sign", { from: acme.address, to: globex.address, amount: "1.00", ref: "X", validBefore: "2020-01-01", out: file("past.json") })))
      .to.equal(`error: --valid-before 2020-01-01T23:59:59Z is not later than now (${isoDate(now)}, the chain's time): the payment would never be valid`);
    expect(failed(await run("payment:sign", { from: acme.address, to: globex.address, amount: "1.00", ref: "X", validAfter: "2030-07-01", validBefore: "2030-06-30", out: file("never.json") })))
      .to.equal("error: --valid-before 2030-06-30T23:59:59Z must be later than --valid-after 2030-07-01T00:00:00Z: the payment would never be valid");
    expect(fs.existsSync(file("past.json")) || fs.existsSync(file("never.json"))).to.equal(false);
  });

  it("refuses to overwrite a signed-payment file unless --force: the same payment is kept, another is refused naming the file", async function () {
    const { acme, globex } = await load(funded);
    await sign(acme.address, globex.address, "1.00", "INV-1", "p.json", { nonce: "7" });
    const first = fs.readFileSync(file("p.json"), "utf8");
    expect(await sign(acme.address, globex.address, "1.00", "INV-1", "p.json", { nonce: "7" }))
      .to.equal(`${file("p.json")} already exists and is identical (the same payment of ${acme.address}); nothing was written`);
    expect(failed(await run("payment:sign", { from: acme.address, to: globex.address, amount: "2.00", ref: "INV-1", nonce: "7", out: file("p.json") })))
      .to.equal(`error: ${file("p.json")} already exists with other terms; nothing was written (choose another --out, or --force to replace it)`);
    expect(fs.readFileSync(file("p.json"), "utf8")).to.equal(first);
    await sign(acme.address, globex.address, "2.00", "INV-1", "p.json", { nonce: "7", force: true });
    expect((JSON.parse(fs.readFileSync(file("p.json"), "utf8")) as SignedPaymentFile).payment.value).to.equal("200");
  });

  it("refuses a payment from a wallet to itself when signing and when settling, naming the option or the file", async function () {
    const { usd: token, acme, globex } = await load(funded);
    expect(failed(await run("payment:sign", { from: acme.address, to: acme.address.toLowerCase(), amount: "1.00", ref: "X", out: file("self.json") })))
      .to.equal(`error: --to ${acme.address} is the payer's own wallet: a wallet cannot pay itself`);
    expect(fs.existsSync(file("self.json"))).to.equal(false);
    // a file made elsewhere, signed by the payer
    const { chainId } = await ethers.provider.getNetwork();
    const domain = tokenDomain(await token.name(), await token.getAddress(), chainId);
    const terms = await paymentTerms(acme.address, acme.address, usd("1.00"), ethers.id("SELF"));
    fs.writeFileSync(file("self.json"), signedPaymentFileText(signedPaymentFile(await token.getAddress(), chainId, await signPayment(acme, domain, terms))));
    await sign(acme.address, globex.address, "1.00", "INV-1", "ok.json");
    const block = await ethers.provider.getBlockNumber();
    expect(failed(await run("payment:settle", { file: file("self.json"), from: globex.address })))
      .to.equal(`error: ${file("self.json")} pays ${acme.address} to itself: a wallet cannot pay itself; nothing was sent`);
    expect(failed(await run("payment:settle-batch", { files: `${file("ok.json")},${file("self.json")}`, from: globex.address })))
      .to.equal(`error: ${file("self.json")} pays ${acme.address} to itself: a wallet cannot pay itself; nothing was sent`);
    expect(await ethers.provider.getBlockNumber()).to.equal(block);
  });
});
