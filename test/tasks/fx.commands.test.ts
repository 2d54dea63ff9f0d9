import { expect } from "chai";
import fs from "fs";
import path from "path";
import { ethers } from "hardhat";
import { time } from "@nomicfoundation/hardhat-network-helpers";
import { explainError } from "../../lib/errors";
import { participantId } from "../../lib/format";
import { useTemporaryDir } from "../helpers/temporary";
import { failed, fundedInTwoCurrencies, load, ok, run, useTemporaryDeployments } from "./helpers";

const PRECISION = "derived from the two amounts, 6 decimals, rounded half to even";

/** USD and EUR deployed, Globex (the provider) holds 1,000,000.00 EUR, Acme (the payer) 1,000,000.00 USD, Initech (the beneficiary) onboarded. */
async function quoted() {
  const f = await fundedInTwoCurrencies();
  const beneficiary = f.outsider;
  await f.registry.connect(f.compliance).onboard(participantId("Initech"), [beneficiary.address], (await time.latest()) + 365 * 86400);
  const fx = await ethers.getContractAt("FxQuotes", f.record.contracts.FxQuotes.address);
  return { ...f, beneficiary, fx };
}

describe("FX payment commands against a liquidity provider's signed quote (Hardhat tasks)", function () {
  useTemporaryDeployments();
  const signedDir = useTemporaryDir("signed");
  let test = 0;
  beforeEach(() => { test++; });
  const quoteFile = () => path.join(signedDir(), `Q-${test}.json`);

  /** Globex sells 920,000.00 EUR for 1,000,000.00 USD. */
  const quoteArgs = (f: { globex: { address: string } }, extra: Record<string, unknown> = {}) => ({
    from: f.globex.address, sellCurrency: "EUR", sellAmount: "920000.00", buyCurrency: "USD", buyAmount: "1000000.00", out: quoteFile(), ...extra,
  });

  it("quotes, shows, pays and shows again: both legs move in one transaction, the rate derived from the amounts", async function () {
    const f = await load(quoted);
    const fxAddress = await f.fx.getAddress();
    const quote = ok(await run("fx:quote", { ...quoteArgs(f, { payer: f.acme.address, validFor: "10m" }), approve: true }));
    expect(quote).to.match(/^approve FxQuotes for 920,000.00 EUR: tx 0x[0-9a-f]{64} in block \d+, gas \d+$/m);
    expect(quote).to.include(`rate 1 USD = 0.920000 EUR (${PRECISION})`);
    expect(quote).to.match(new RegExp(`^quote signed by ${f.globex.address}: sells 920,000.00 EUR for 1,000,000.00 USD to payer ${f.acme.address}, valid until \\S+Z: ${quoteFile().replace(/[.]/g, "\\.")} \\(quote hash 0x[0-9a-f]{64}\\)$`, "m"));
    expect(await f.eur.allowance(f.globex.address, fxAddress)).to.equal(92_000_000n);
    const file = JSON.parse(fs.readFileSync(quoteFile(), "utf8")) as Record<string, unknown>;
    expect(file).to.include({ kind: "fx-quote", fxQuotes: fxAddress, chainId: "31337", signer: f.globex.address });
    expect(file.terms).to.deep.include({
      sell: { currency: "EUR", amount: "92000000", amountText: "920,000.00 EUR" }, buy: { currency: "USD", amount: "100000000", amountText: "1,000,000.00 USD" },
      rate: "0.920000", rateText: "1 USD = 0.920000 EUR", ratePrecision: PRECISION, payer: f.acme.address,
    });
    expect(ok(await run("fx:show", { quote: quoteFile() })).split("\n").slice(0, 6)).to.deep.equal([
      `quote ${quoteFile()} (quote hash ${(/quote hash (0x[0-9a-f]{64})/.exec(quote))![1]}): usable`,
      `  provider ${f.globex.address}`, `  payer    ${f.acme.address}`, "  sells    920,000.00 EUR", "  for      1,000,000.00 USD",
      `  rate     1 USD = 0.920000 EUR (${PRECISION})`,
    ]);

    const paid = ok(await run("fx:pay", { from: f.acme.address, quote: quoteFile(), to: f.beneficiary.address, ref: "INV-2026-0001", approve: true }));
    expect(paid.split("\n")[0]).to.equal(`paying 1,000,000.00 USD to provider ${f.globex.address}; ${f.beneficiary.address} receives 920,000.00 EUR, rate 1 USD = 0.920000 EUR (${PRECISION}), quote valid until ${file.terms && (file.terms as Record<string, string>).validUntil}`);
    expect(paid).to.match(/^approve FxQuotes for 1,000,000.00 USD: tx/m);
    expect(paid).to.match(new RegExp(`^paid with quote .*: 1,000,000.00 USD from ${f.acme.address} to provider ${f.globex.address}, 920,000.00 EUR from the provider to ${f.beneficiary.address} at 1 USD = 0.920000 EUR, ref "INV-2026-0001" \\(quote hash 0x[0-9a-f]{64}\\)$`, "m"));
    expect(await f.usd.balanceOf(f.acme.address)).to.equal(0n);
    expect(await f.usd.balanceOf(f.globex.address)).to.equal(100_000_000n);
    expect(await f.eur.balanceOf(f.beneficiary.address)).to.equal(92_000_000n);
    expect(await f.eur.balanceOf(f.globex.address)).to.equal(8_000_000n);
    expect(ok(await run("fx:show", { quote: quoteFile() })).split("\n")[0]).to.match(/\): used$/);
  });

  it("refuses a quote from a provider that is not allowed, in one currency, of a zero amount, valid only in the past, or not funded, and signs nothing", async function () {
    const f = await load(quoted);
    await f.registry.connect(f.compliance).setStatus(participantId("Initech"), 2);
    expect(failed(await run("fx:quote", quoteArgs(f, { from: f.beneficiary.address }))))
      .to.equal(`error: provider ${f.beneficiary.address} is not allowed (status Suspended): FxQuotes would refuse its quotes; nothing was signed`);
    expect(failed(await run("fx:quote", quoteArgs(f, { buyCurrency: "EUR" }))))
      .to.equal("error: --sell-currency and --buy-currency are both EUR: a quote exchanges two different currencies");
    expect(failed(await run("fx:quote", quoteArgs(f, { sellAmount: "0.00" })))).to.equal('error: --sell-amount "0.00" is zero');
    expect(failed(await run("fx:quote", quoteArgs(f, { buyAmount: "0" })))).to.equal('error: --buy-amount "0" is zero');
    const now = await time.latest();
    expect(failed(await run("fx:quote", quoteArgs(f, { validUntil: "2020-01-01" }))))
      .to.match(/^error: --valid-until 2020-01-01T23:59:59Z is not later than now \(\S+Z, the chain's time\): the quote would never be usable$/);
    expect(failed(await run("fx:quote", quoteArgs(f, { validFor: "10m", validUntil: String(now + 60) })))).to.equal("error: --valid-for and --valid-until are both given: give one");
    expect(failed(await run("fx:quote", quoteArgs(f, { validFor: "ten minutes" })))).to.equal('error: --valid-for "ten minutes" is not a positive duration: write 90s, 10m, 2h or 1d');
    expect(failed(await run("fx:quote", quoteArgs(f))))
      .to.equal(`error: ${f.globex.address} allows FxQuotes 0.00 EUR, needs 920,000.00 EUR for its EUR sell leg: add --approve, or run token:approve --from ${f.globex.address} --currency EUR --spender fxquotes --amount 920000.00; nothing was signed`);
    expect(failed(await run("fx:quote", quoteArgs(f, { sellAmount: "1000000.01" }))))
      .to.equal(`error: ${f.globex.address} holds 1,000,000.00 EUR, needs 1,000,000.01 EUR for its EUR sell leg; nothing was signed`);
    expect(fs.existsSync(quoteFile())).to.equal(false);
    // The hint's command grants the allowance a quote needs.
    expect(ok(await run("token:approve", { from: f.globex.address, currency: "EUR", spender: "fxquotes", amount: "920000.00" })))
      .to.include(`${f.globex.address} allows FxQuotes (${await f.fx.getAddress()}) 920,000.00 EUR`);
    ok(await run("fx:quote", quoteArgs(f)));
    expect(fs.existsSync(quoteFile())).to.equal(true);
  });

  it("refuses to pay, in words and sending nothing: another payer, a tampered file, a provider whose sell leg is not funded, a cancelled, an expired and a used quote", async function () {
    const f = await load(quoted);
    const fxAddress = await f.fx.getAddress();
    ok(await run("fx:quote", { ...quoteArgs(f, { payer: f.acme.address, validFor: "1h", nonce: "7" }), approve: true }));
    await f.usd.connect(f.acme).approve(fxAddress, 100_000_000n);
    const pay = (extra: Record<string, unknown> = {}) => run("fx:pay", { from: f.acme.address, quote: quoteFile(), to: f.beneficiary.address, ref: "INV-1", ...extra });
    const nonces = [await ethers.provider.getTransactionCount(f.acme.address), await ethers.provider.getTransactionCount(f.globex.address)];

    expect(failed(await pay({ from: f.globex.address })))
      .to.equal(`error: pay INV-1 with quote ${quoteFile()} refused: NotQuotePayer: the quote is for payer ${f.acme.address} only, not ${f.globex.address}; nothing was sent`);

    const original = fs.readFileSync(quoteFile(), "utf8");
    const edited = JSON.parse(original) as { quote: Record<string, string> };
    edited.quote.sellAmount = "93000000";
    fs.writeFileSync(quoteFile(), JSON.stringify(edited));
    expect(failed(await pay())).to.match(new RegExp(`^error: ${quoteFile().replace(/[.]/g, "\\.")}: the signature does not match the file's content \\(it recovers to 0x[0-9a-fA-F]{40}, not its provider ${f.globex.address}\\): the quote was changed after signing, or it was signed for another FxQuotes or chain; nothing was sent$`));
    const words = JSON.parse(original) as { terms: { sell: { amountText: string } } };
    words.terms.sell.amountText = "930,000.00 EUR";
    fs.writeFileSync(quoteFile(), JSON.stringify(words));
    expect(failed(await pay())).to.equal(`error: ${quoteFile()}: the terms in words do not match the signed quote (they were edited after signing); nothing was sent`);
    fs.writeFileSync(quoteFile(), original);

    await f.eur.connect(f.globex).approve(fxAddress, 0n);
    expect(failed(await pay()))
      .to.equal(`error: pay INV-1 with quote ${quoteFile()} refused: EUR leg (provider ${f.globex.address} pays 920,000.00 EUR to beneficiary ${f.beneficiary.address}): LegNotFunded: ${f.globex.address} holds 1,000,000.00 EUR and allows FxQuotes 0.00 EUR of token ${await f.eur.getAddress()}, needs 920,000.00 EUR; nothing was sent`);
    await f.eur.connect(f.globex).approve(fxAddress, 92_000_000n);
    await f.usd.connect(f.acme).approve(fxAddress, 0n);
    expect(failed(await pay()))
      .to.equal(`error: pay INV-1 with quote ${quoteFile()} refused: USD leg (payer ${f.acme.address} pays 1,000,000.00 USD to provider ${f.globex.address}): LegNotFunded: ${f.acme.address} holds 1,000,000.00 USD and allows FxQuotes 0.00 USD of token ${await f.usd.getAddress()}, needs 1,000,000.00 USD; nothing was sent`);
    await f.usd.connect(f.acme).approve(fxAddress, 100_000_000n);
    const quote = JSON.parse(original) as { quote: { validUntil: string; nonce: string } };
    nonces[0] += 2;
    nonces[1] += 2;

    const later = path.join(signedDir(), `Q-${test}.2.json`);
    ok(await run("fx:quote", quoteArgs(f, { out: later, validFor: "1h", nonce: "8" })));
    expect(failed(await run("fx:cancel", { quote: later, from: f.acme.address })))
      .to.equal(`error: ${f.acme.address} is not the provider ${f.globex.address} of ${later}: only the provider may cancel its quote (use --from); nothing was sent`);
    expect(ok(await run("fx:cancel", { quote: later, from: f.globex.address })))
      .to.include(`cancelled nonce ${ethers.toBeHex(8n, 32)} of provider ${f.globex.address}: no quote it signed with it can be used`);
    nonces[1] += 1;
    expect(ok(await run("fx:show", { quote: later })).split("\n")[0]).to.match(/\): cancelled$/);
    expect(failed(await pay({ quote: later })))
      .to.equal(`error: pay INV-1 with quote ${later} refused: QuoteCancelled: provider ${f.globex.address} cancelled nonce ${ethers.toBeHex(8n, 32)}: no quote it signed with it can be used; nothing was sent`);
    expect(failed(await run("fx:cancel", { nonce: "8", from: f.globex.address })))
      .to.equal(`error: cancel nonce ${ethers.toBeHex(8n, 32)} of provider ${f.globex.address} refused: QuoteCancelled: provider ${f.globex.address} cancelled nonce ${ethers.toBeHex(8n, 32)}: no quote it signed with it can be used; nothing was sent`);

    await time.increaseTo(Number(quote.quote.validUntil) + 1);
    expect(ok(await run("fx:show", { quote: quoteFile() })).split("\n")[0]).to.match(/\): expired$/);
    const expired = failed(await pay());
    const validUntil = new Date(Number(quote.quote.validUntil) * 1000).toISOString().replace(".000Z", "Z");
    expect(expired).to.match(new RegExp(`^error: pay INV-1 with quote .* refused: QuoteExpired: the quote was valid until ${validUntil}; the chain time is \\S+Z; nothing was sent$`));
    expect(Date.parse(/chain time is (\S+Z)/.exec(expired)![1])).to.be.greaterThan(Date.parse(validUntil));
    expect([await ethers.provider.getTransactionCount(f.acme.address), await ethers.provider.getTransactionCount(f.globex.address)]).to.deep.equal(nonces);
    expect(await f.eur.balanceOf(f.beneficiary.address)).to.equal(0n);

    const fresh = path.join(signedDir(), `Q-${test}.3.json`);
    ok(await run("fx:quote", quoteArgs(f, { out: fresh, nonce: "9" })));
    ok(await run("fx:pay", { from: f.acme.address, quote: fresh, to: f.beneficiary.address, ref: "INV-3" }));
    expect(failed(await pay({ quote: fresh, ref: "INV-4" })))
      .to.equal(`error: pay INV-4 with quote ${fresh} refused: QuoteUsed: nonce ${ethers.toBeHex(9n, 32)} of provider ${f.globex.address} is used: a payment has already been made with this quote; nothing was sent`);
  });

  it("keeps an identical quote file, refuses to overwrite another quote unless --force, and names a file of another kind", async function () {
    const f = await load(quoted);
    await f.eur.connect(f.globex).approve(await f.fx.getAddress(), 184_000_000n);
    ok(await run("fx:quote", quoteArgs(f, { nonce: "1", validUntil: "2030-01-01" })));
    expect(ok(await run("fx:quote", quoteArgs(f, { nonce: "1", validUntil: "2030-01-01" }))))
      .to.match(/already exists and is identical \(the same quote of 0x[0-9a-fA-F]{40}, quote hash 0x[0-9a-f]{64}\); nothing was written$/);
    expect(failed(await run("fx:quote", quoteArgs(f, { nonce: "2", validUntil: "2030-01-01" }))))
      .to.equal(`error: ${quoteFile()} already exists with other terms; nothing was written (choose another --out, or --force to replace it)`);
    ok(await run("fx:quote", quoteArgs(f, { nonce: "2", validUntil: "2030-01-01", force: true })));
    expect((JSON.parse(fs.readFileSync(quoteFile(), "utf8")) as { quote: { nonce: string } }).quote.nonce).to.equal(ethers.toBeHex(2n, 32));
    const payment = path.join(signedDir(), "payment.json");
    fs.writeFileSync(payment, JSON.stringify({ token: f.acme.address, chainId: "31337", payment: {} }));
    expect(failed(await run("fx:show", { quote: payment }))).to.equal(`error: --quote ${payment} is a signed payment file, not a signed quote (payment:settle takes it)`);
  });

  it("gives every amount as integer and text under --json, with the rate and the quote's state", async function () {
    const f = await load(quoted);
    const quote = JSON.parse(ok(await run("fx:quote", { ...quoteArgs(f), approve: true, json: true }))) as Record<string, unknown>;
    expect(quote).to.include({
      written: true, provider: f.globex.address, payer: "any", sellCurrency: "EUR", sellAmount: "92000000", sellAmountText: "920,000.00 EUR",
      buyCurrency: "USD", buyAmount: "100000000", buyAmountText: "1,000,000.00 USD", rate: "0.920000", rateText: "1 USD = 0.920000 EUR", ratePrecision: PRECISION,
    });
    expect((quote.transactions as { label: string }[]).map((t) => t.label)).to.deep.equal(["approve FxQuotes for 920,000.00 EUR"]);
    const shown = JSON.parse(ok(await run("fx:show", { quote: quoteFile(), json: true }))) as Record<string, string>;
    expect([shown.state, shown.quoteHash, shown.sellAmount]).to.deep.equal(["usable", quote.quoteHash, "92000000"]);
    const paid = JSON.parse(ok(await run("fx:pay", { from: f.acme.address, quote: quoteFile(), to: f.beneficiary.address, ref: "INV-9", approve: true, json: true }))) as Record<string, unknown>;
    expect(paid).to.include({ quoteHash: quote.quoteHash, payer: f.acme.address, beneficiary: f.beneficiary.address, ref: ethers.id("INV-9"), refText: "INV-9", buyAmount: "100000000", buyAmountText: "1,000,000.00 USD" });
    expect((paid.transactions as { label: string }[]).map((t) => t.label)).to.deep.equal(["approve FxQuotes for 1,000,000.00 USD", `pay INV-9 with quote ${quoteFile()}`]);
    const refused = JSON.parse((await run("fx:pay", { from: f.acme.address, quote: quoteFile(), to: f.beneficiary.address, ref: "INV-9", json: true })).lines[0]) as { error: Record<string, string> };
    expect([refused.error.code, refused.error.reason]).to.deep.equal(["REFUSED", "QuoteUsed"]);
  });
  it("explains every FxQuotes custom error in words, none with the bare arguments", async function () {
    const f = await load(quoted);
    const iface = f.fx.interface;
    const names: string[] = [];
    iface.forEachError((e) => names.push(e.name));
    const own = names.filter((n) => !/^(AccessControl|ERC1967|UUPS|Invalid(Initialization)$|NotInitializing|AddressEmptyCode|FailedCall|SafeERC20|SafeCast|ECDSA)/.test(n));
    expect(own).to.include.members(["QuoteExpired", "QuoteUsed", "QuoteCancelled", "NotQuotePayer", "InvalidQuoteSignature", "LegNotFunded", "ReferenceMissing"]);
    for (const name of own) {
      const fragment = iface.getError(name)!;
      const args = fragment.inputs.map((i) => (i.type === "address" ? f.acme.address : i.type === "bytes32" ? ethers.ZeroHash : 1n));
      const words = await explainError({ data: iface.encodeErrorResult(fragment, args) }, { interfaces: [iface], registry: f.registry });
      const bare = fragment.inputs.map((i, k) => `${i.name} ${String(args[k])}`).join(", ") || "refused";
      expect(words, name).to.match(new RegExp(`^${name}: `));
      expect(words, name).not.to.equal(`${name}: ${bare}`);
    }
  });
});
