import { expect } from "chai";
import fs from "fs";
import path from "path";
import { spawnSync } from "child_process";
import { HDNodeWallet, Mnemonic } from "ethers";
import { deploymentPath } from "../../lib/deployment";
import { lockedTrade } from "../../lib/dvp";
import { failed, fundedInTwoCurrencies, load, ok, run, useTemporaryDeployments } from "./helpers";
import { useTemporaryDir } from "../helpers/temporary";

const DEADLINE = "2030-06-30";
const PRECISION = "derived from the two amounts, 6 decimals, rounded half to even";

describe("Payment versus payment commands (USD against EUR, Hardhat tasks)", function () {
  useTemporaryDeployments();
  const signedDir = useTemporaryDir("signed");

  /** Globex pays 920,000.00 EUR, Acme pays 1,000,000.00 USD. */
  const fxArgs = (f: { globex: { address: string }; acme: { address: string } }, extra: Record<string, unknown> = {}) => ({
    seller: f.globex.address, buyer: f.acme.address, assetCurrency: "EUR", assetAmount: "920000.00", currency: "USD",
    cashAmount: "1000000.00", deadline: DEADLINE, ref: "FX-0001", ...extra,
  });

  it("proposes a USD/EUR trade with both amounts in their currencies and the rate derived from them, and shows and lists it", async function () {
    const f = await load(fundedInTwoCurrencies);
    const proposed = JSON.parse(ok(await run("dvp:propose", { ...fxArgs(f), json: true }))) as Record<string, string>;
    expect(proposed).to.include({
      assetAmount: "92000000", assetAmountText: "920,000.00 EUR", assetToken: await f.eur.getAddress(),
      cashAmount: "100000000", cashAmountText: "1,000,000.00 USD", cashToken: await f.usd.getAddress(),
      kind: "PvP", rate: "0.920000", rateText: "1 USD = 0.920000 EUR", ratePrecision: PRECISION, ref: "FX-0001",
    });
    const { terms } = await lockedTrade(f.escrow, proposed.tradeId);
    expect([terms!.asset, terms!.assetAmount, terms!.cash, terms!.cashAmount]).to.deep.equal([await f.eur.getAddress(), 92_000_000n, await f.usd.getAddress(), 100_000_000n]);
    const shown = ok(await run("dvp:show", { trade: "FX-0001" }));
    expect(shown.split("\n")).to.deep.equal([
      `trade FX-0001 (id ${proposed.tradeId}): Proposed`, `  seller   ${f.globex.address}`, `  buyer    ${f.acme.address}`,
      "  asset    920,000.00 EUR", "  cash     1,000,000.00 USD", "  deadline 2030-06-30T23:59:59Z", `  rate     1 USD = 0.920000 EUR (${PRECISION})`,
    ]);
    const listed = ok(await run("dvp:list"));
    expect(listed).to.match(/^FX-0001\s+Proposed\s+locked\s+0x[0-9a-fA-F]{40}\s+0x[0-9a-fA-F]{40}\s+920,000.00 EUR\s+1,000,000.00 USD\s+1 USD = 0.920000 EUR\s+2030-06-30/m);
    expect(listed).to.include(`rate: ${PRECISION}`);
    const json = JSON.parse(ok(await run("dvp:list", { json: true }))) as { trades: Record<string, string>[] };
    expect(json.trades[0]).to.include({ assetAmount: "92000000", cashAmount: "100000000", rateText: "1 USD = 0.920000 EUR" });
  });

  it("settles by locking: the EUR leg locks, the USD leg settles both, exact balances", async function () {
    const f = await load(fundedInTwoCurrencies);
    ok(await run("dvp:propose", fxArgs(f)));
    const first = ok(await run("dvp:fund", { trade: "FX-0001", from: f.globex.address, approve: true }));
    expect(first).to.match(/^approve the escrow for 920,000.00 EUR: tx/m);
    expect(first).to.include("trade FX-0001 is SellerFunded: waiting for the other leg");
    expect(await f.eur.balanceOf(await f.escrow.getAddress())).to.equal(92_000_000n);
    const second = ok(await run("dvp:fund", { trade: "FX-0001", from: f.acme.address, approve: true }));
    expect(second).to.match(/^lock 1,000,000.00 USD for trade FX-0001: tx/m);
    expect(second).to.include("trade FX-0001 settled: both legs delivered");
    expect(await f.eur.balanceOf(f.acme.address)).to.equal(92_000_000n);
    expect(await f.eur.balanceOf(f.globex.address)).to.equal(8_000_000n);
    expect(await f.usd.balanceOf(f.globex.address)).to.equal(100_000_000n);
    expect(await f.usd.balanceOf(f.acme.address)).to.equal(0n);
  });

  it("names the refused leg and its reason: a party frozen on the EUR leg, the EUR token paused while its leg is locked", async function () {
    const f = await load(fundedInTwoCurrencies);
    const escrow = await f.escrow.getAddress();
    await f.eur.connect(f.globex).approve(escrow, 92_000_000n);
    await f.usd.connect(f.acme).approve(escrow, 100_000_000n);
    const [sellerFile, buyerFile] = [path.join(signedDir(), "fx.seller.json"), path.join(signedDir(), "fx.buyer.json")];
    ok(await run("dvp:sign", { ...fxArgs(f), out: sellerFile, from: f.globex.address }));
    ok(await run("dvp:sign", { terms: sellerFile, out: buyerFile, from: f.acme.address }));
    await f.eur.connect(f.compliance).freeze(f.acme.address);
    expect(failed(await run("dvp:settle-signed", { sellerFile, buyerFile })))
      .to.equal(`error: settle signed trade FX-0001 refused: EUR leg (seller ${f.globex.address} pays 920,000.00 EUR to buyer ${f.acme.address}): WalletFrozen: ${f.acme.address} is frozen; nothing was sent`);
    await f.eur.connect(f.compliance).unfreeze(f.acme.address);
    await f.usd.connect(f.compliance).freeze(f.globex.address);
    expect(failed(await run("dvp:settle-signed", { sellerFile, buyerFile })))
      .to.equal(`error: settle signed trade FX-0001 refused: USD leg (buyer ${f.acme.address} pays 1,000,000.00 USD to seller ${f.globex.address}): WalletFrozen: ${f.globex.address} is frozen; nothing was sent`);
    await f.usd.connect(f.compliance).unfreeze(f.globex.address);

    ok(await run("dvp:propose", fxArgs(f, { ref: "FX-0002" })));
    await f.eur.connect(f.globex).approve(escrow, 92_000_000n);
    await f.eur.connect(f.compliance).freeze(f.globex.address);
    expect(failed(await run("dvp:fund", { trade: "FX-0002", from: f.globex.address })))
      .to.equal(`error: lock 920,000.00 EUR for trade FX-0002 refused: EUR leg (seller ${f.globex.address} locks 920,000.00 EUR in the escrow): WalletFrozen: ${f.globex.address} is frozen; nothing was sent`);
    await f.eur.connect(f.compliance).unfreeze(f.globex.address);
    ok(await run("dvp:fund", { trade: "FX-0002", from: f.globex.address }));
    await f.eur.connect(f.pauser).pause();
    expect(failed(await run("dvp:fund", { trade: "FX-0002", from: f.acme.address })))
      .to.equal(`error: lock 1,000,000.00 USD for trade FX-0002 refused: EUR leg (the escrow pays the locked 920,000.00 EUR to buyer ${f.acme.address}): TokenPaused: the token is paused: only forced transfers move until it is unpaused; nothing was sent`);
    expect(await f.usd.balanceOf(f.acme.address)).to.equal(100_000_000n);
  });

  it("signs both parties' files with the rate, settles them in one transaction, and refuses a second settlement", async function () {
    const f = await load(fundedInTwoCurrencies);
    const escrow = await f.escrow.getAddress();
    await f.eur.connect(f.globex).approve(escrow, 92_000_000n);
    const [sellerFile, buyerFile] = [path.join(signedDir(), "fx.seller.json"), path.join(signedDir(), "fx.buyer.json")];
    const signed = ok(await run("dvp:sign", { ...fxArgs(f), out: sellerFile, from: f.globex.address }));
    expect(signed).to.include(`signing as seller: 920,000.00 EUR from ${f.globex.address} to ${f.acme.address} for 1,000,000.00 USD, rate 1 USD = 0.920000 EUR (${PRECISION}), deadline 2030-06-30T23:59:59Z, ref FX-0001`);
    ok(await run("dvp:sign", { terms: sellerFile, out: buyerFile, from: f.acme.address }));
    expect(failed(await run("dvp:settle-signed", { sellerFile, buyerFile })))
      .to.equal(`error: ${f.acme.address} allows the escrow 0.00 USD, needs 1,000,000.00 USD: it must run token:approve --from ${f.acme.address} --spender escrow --amount 1000000.00 (or the :permit command); nothing was sent`);
    await f.usd.connect(f.acme).approve(escrow, 100_000_000n);
    const out = ok(await run("dvp:settle-signed", { sellerFile, buyerFile, from: f.admin.address }));
    expect(out).to.include(`settled FX-0001: 920,000.00 EUR to ${f.acme.address}, 1,000,000.00 USD to ${f.globex.address} at 1 USD = 0.920000 EUR`);
    expect(await f.eur.balanceOf(f.acme.address)).to.equal(92_000_000n);
    expect(await f.usd.balanceOf(f.globex.address)).to.equal(100_000_000n);
    expect(failed(await run("dvp:settle-signed", { sellerFile, buyerFile })))
      .to.match(/^error: settle signed trade FX-0001 refused: SignedTradeAlreadySettled: /);
    const listed = JSON.parse(ok(await run("dvp:list", { all: true, json: true }))) as { trades: Record<string, string>[] };
    expect(listed.trades.map((t) => [t.flow, t.state, t.rateText])).to.deep.equal([["signed", "Settled", "1 USD = 0.920000 EUR"]]);
  });

  it("settles PvP and DvP trades as one netted batch, each party moving its net per currency, and names a refused leg", async function () {
    const f = await load(fundedInTwoCurrencies);
    const escrow = await f.escrow.getAddress();
    await f.shares.connect(f.issuer).issue(f.globex.address, 100n);
    const file = (name: string) => path.join(signedDir(), name);
    const sign = async (ref: string, args: Record<string, unknown>, seller: string, buyer: string) => {
      ok(await run("dvp:sign", { deadline: DEADLINE, ref, seller, buyer, ...args, out: file(`${ref}.s.json`), from: seller }));
      ok(await run("dvp:sign", { terms: file(`${ref}.s.json`), out: file(`${ref}.b.json`), from: buyer }));
      return [file(`${ref}.s.json`), file(`${ref}.b.json`)];
    };
    const [globex, acme] = [f.globex.address, f.acme.address];
    // Globex pays 920,000.00 EUR for 1,000,000.00 USD, buys back 460,000.00 EUR for 500,100.00 USD, and sells Acme 100 units for 10,000.00 USD.
    const files = [
      ...(await sign("FX-1", { assetCurrency: "EUR", assetAmount: "920000.00", currency: "USD", cashAmount: "1000000.00" }, globex, acme)),
      ...(await sign("FX-2", { assetCurrency: "EUR", assetAmount: "460000.00", currency: "USD", cashAmount: "500100.00" }, acme, globex)),
      ...(await sign("DVP-1", { units: "100", cashAmount: "10000.00" }, globex, acme)),
    ].join(",");
    // Nets: Globex pays 460,000.00 EUR and 100 units, receives 509,900.00 USD; Acme the opposite.
    await f.eur.connect(f.globex).approve(escrow, 46_000_000n);
    await f.shares.connect(f.globex).approve(escrow, 100n);
    await f.usd.connect(f.acme).approve(escrow, 50_990_000n);
    await f.eur.connect(f.compliance).freeze(acme);
    expect(failed(await run("dvp:settle-batch", { files })))
      .to.equal(`error: settle a batch of 3 signed trades refused: EUR leg (${globex} pays its net 460,000.00 EUR to ${acme}): WalletFrozen: ${acme} is frozen; nothing was sent`);
    await f.eur.connect(f.compliance).unfreeze(acme);
    const out = ok(await run("dvp:settle-batch", { files }));
    const lines = out.split("\n");
    expect(lines).to.include.members([
      `EUR      ${globex}  -460,000.00 EUR`, `EUR      ${acme}  +460,000.00 EUR`,
      `USD      ${acme}  -509,900.00 USD`, `USD      ${globex}  +509,900.00 USD`,
      "  EUR: gross 1,380,000.00 EUR, net 460,000.00 EUR moved", "  USD: gross 1,510,100.00 USD, net 509,900.00 USD moved",
    ]);
    expect(await f.eur.balanceOf(globex)).to.equal(54_000_000n);
    expect(await f.eur.balanceOf(acme)).to.equal(46_000_000n);
    expect(await f.usd.balanceOf(globex)).to.equal(50_990_000n);
    expect(await f.usd.balanceOf(acme)).to.equal(49_010_000n);
    expect(await f.shares.balanceOf(acme)).to.equal(100n);
  });

  it("names the currency of a batch in which EUR nets to zero: a party frozen in EUR, the EUR token paused", async function () {
    const f = await load(fundedInTwoCurrencies);
    const escrow = await f.escrow.getAddress();
    const [globex, acme] = [f.globex.address, f.acme.address];
    await f.eur.connect(f.globex).approve(escrow, 10_000n);
    await f.eur.connect(f.acme).approve(escrow, 10_000n);
    await f.usd.connect(f.acme).approve(escrow, 100n);
    const file = (name: string) => path.join(signedDir(), name);
    const files: string[] = [];
    for (const [ref, seller, buyer, cashAmount] of [["FX-A", globex, acme, "110.00"], ["FX-B", acme, globex, "109.00"]]) {
      ok(await run("dvp:sign", { ...fxArgs(f, { ref, seller, buyer, assetAmount: "100.00", cashAmount }), out: file(`${ref}.s.json`), from: seller }));
      ok(await run("dvp:sign", { terms: file(`${ref}.s.json`), out: file(`${ref}.b.json`), from: buyer }));
      files.push(file(`${ref}.s.json`), file(`${ref}.b.json`));
    }
    await f.eur.connect(f.compliance).freeze(globex);
    expect(failed(await run("dvp:settle-batch", { files: files.join(",") })))
      .to.equal(`error: settle a batch of 2 signed trades refused: EUR leg: WalletFrozen: ${globex} is frozen (its net in EUR is zero, its trades are not); nothing was sent`);
    await f.eur.connect(f.compliance).unfreeze(globex);
    await f.eur.connect(f.pauser).pause();
    expect(failed(await run("dvp:settle-batch", { files: files.join(",") })))
      .to.equal("error: settle a batch of 2 signed trades refused: EUR leg (nothing of it moves): TokenPaused: the token is paused: only forced transfers move until it is unpaused; nothing was sent");
    await f.eur.connect(f.pauser).unpause();
    ok(await run("dvp:settle-batch", { files: files.join(",") }));
    expect(await f.usd.balanceOf(globex)).to.equal(100n);
    expect(await f.eur.balanceOf(globex)).to.equal(100_000_000n);
  });

  it("shows a client signing PvP terms offline both amounts and the rate before it signs (scripts/sign-trade.ts), and the file settles", async function () {
    const f = await load(fundedInTwoCurrencies);
    const escrow = await f.escrow.getAddress();
    await f.eur.connect(f.globex).approve(escrow, 92_000_000n);
    await f.usd.connect(f.acme).approve(escrow, 100_000_000n);
    const termsFile = path.join(signedDir(), "fx-terms.json");
    fs.writeFileSync(termsFile, JSON.stringify({
      seller: f.globex.address, buyer: f.acme.address, asset: await f.eur.getAddress(), assetAmount: "92000000",
      cash: await f.usd.getAddress(), cashAmount: "100000000", deadline: DEADLINE, ref: "FX-OFFLINE-1",
    }));
    const sellerFile = path.join(signedDir(), "fx-offline.seller.json");
    const key = HDNodeWallet.fromMnemonic(Mnemonic.fromPhrase("test test test test test test test test test test test junk"), "m/44'/60'/0'/0/7");
    expect(key.address).to.equal(f.globex.address);
    const signed = spawnSync("npx", ["ts-node", "scripts/sign-trade.ts", termsFile, deploymentPath("hardhat"), sellerFile],
      { encoding: "utf8", env: { ...process.env, SIGNER_PRIVATE_KEY: key.privateKey } });
    expect(signed.status, signed.stderr).to.equal(0);
    const words = signed.stdout.split("\n");
    expect(words).to.include.members([
      `  delivers  920,000.00 EUR (${await f.eur.getAddress()})`, `  pays      1,000,000.00 USD (${await f.usd.getAddress()})`,
      `  rate      1 USD = 0.920000 EUR (${PRECISION})`,
    ]);
    const buyerFile = path.join(signedDir(), "fx-offline.buyer.json");
    ok(await run("dvp:sign", { terms: sellerFile, out: buyerFile, from: f.acme.address }));
    ok(await run("dvp:settle-signed", { sellerFile, buyerFile }));
    expect(await f.eur.balanceOf(f.acme.address)).to.equal(92_000_000n);
  });

  it("refuses a currency leg given with a security's options, an asset amount without its currency, and one currency on both legs", async function () {
    const f = await load(fundedInTwoCurrencies);
    expect(failed(await run("dvp:propose", fxArgs(f, { units: "10" }))))
      .to.equal("error: --units is for a security leg; with --asset-currency give --asset-amount");
    expect(failed(await run("dvp:propose", fxArgs(f, { assetCurrency: undefined, units: "10" }))))
      .to.equal("error: --asset-amount is for a currency leg: give --asset-currency with it (or --units for a security)");
    expect(failed(await run("dvp:propose", fxArgs(f, { assetAmount: undefined }))))
      .to.equal("error: --asset-amount is missing");
    expect(failed(await run("dvp:propose", fxArgs(f, { assetCurrency: "usd" }))))
      .to.equal("error: --asset-currency and --currency are both USD: payment versus payment exchanges two different currencies");
    expect(failed(await run("dvp:propose", fxArgs(f, { assetAmount: "920000.001" }))))
      .to.equal('error: --asset-amount "920000.001" has 3 decimals; the token has 2');
    expect(failed(await run("dvp:propose", fxArgs(f, { assetCurrency: "GBP" }))))
      .to.equal('error: no deposit token for currency "GBP" on hardhat (deployed: USD, EUR)');
  });
});
