import { expect } from "chai";
import fs from "fs";
import * as isoCurrencies from "currency-codes";
import { CURRENCIES, currencyOf, NOT_PAYMENT_CURRENCIES } from "../../lib/currencies";
import { currenciesFrom, deskLimits } from "../../lib/deployment";
import { DEVELOPMENT_LIMITS } from "../../lib/config";

describe("lib/currencies: the ISO 4217 currencies a deposit token is issued in", function () {
  it("keeps the USD, EUR and GBP tokens exactly as deployed: name, symbol and two decimals", function () {
    expect(CURRENCIES.USD).to.deep.equal({ code: "USD", name: "USD Deposit Token", symbol: "USDD", decimals: 2 });
    expect(CURRENCIES.EUR).to.deep.equal({ code: "EUR", name: "EUR Deposit Token", symbol: "EURD", decimals: 2 });
    expect(CURRENCIES.GBP).to.deep.equal({ code: "GBP", name: "GBP Deposit Token", symbol: "GBPD", decimals: 2 });
  });

  it("gives every other currency its ISO minor unit as decimals: JPY 0, KWD and BHD 3, CHF and SGD 2", function () {
    expect(CURRENCIES.JPY).to.deep.equal({ code: "JPY", name: "JPY Deposit Token", symbol: "JPYD", decimals: 0 });
    expect(CURRENCIES.KWD.decimals).to.equal(3);
    expect(CURRENCIES.BHD.decimals).to.equal(3);
    expect(CURRENCIES.CHF.decimals).to.equal(2);
    expect(CURRENCIES.SGD.decimals).to.equal(2);
    expect(CURRENCIES.XOF, "the CFA franc is a currency of payment").to.deep.include({ decimals: 0 });
  });

  it("accepts every code of the package but the excluded ones, each a 3-letter code with 0 to 4 decimals from the package", function () {
    const accepted = isoCurrencies.data.filter((c) => NOT_PAYMENT_CURRENCIES[c.code] === undefined);
    expect(Object.keys(CURRENCIES).sort()).to.deep.equal(accepted.map((c) => c.code).sort());
    expect(accepted.length).to.be.greaterThan(150);
    for (const c of accepted) {
      const token = currencyOf(c.code);
      expect(token.code, c.code).to.match(/^[A-Z]{3}$/);
      expect(token.decimals, c.code).to.equal(c.digits).and.to.be.within(0, 4);
      expect([token.name, token.symbol], c.code).to.deep.equal([`${c.code} Deposit Token`, `${c.code}D`]);
    }
  });

  it("refuses every fund code, unit of account, precious metal and the test and no-currency codes, saying what each is", function () {
    for (const [code, reason] of Object.entries(NOT_PAYMENT_CURRENCIES)) {
      expect(isoCurrencies.code(code), `${code} is in the package`).to.not.equal(undefined);
      expect(() => currencyOf(code, "DEPLOY_CURRENCIES"), code)
        .to.throw(`DEPLOY_CURRENCIES "${code}" is ${reason}, not a currency of payment: a deposit token is issued in a currency clients pay with`);
    }
    for (const code of ["XXX", "XTS", "XAU", "XAG", "XPT", "XPD", "XDR", "BOV", "CLF", "COU", "MXV", "USN", "UYI", "UYW", "CHE", "CHW", "XSU", "XUA", "XBA", "XBB", "XBC", "XBD"]) {
      expect(CURRENCIES[code], code).to.equal(undefined);
    }
    expect(() => currencyOf("xau")).to.throw('currency "xau" is a precious metal (gold), not a currency of payment');
  });

  it("excludes every code ISO's list one marks as a fund or gives no minor unit (N.A.), so a new edition of the package cannot add one unseen", function () {
    const xml = fs.readFileSync(require.resolve("currency-codes/iso-4217-list-one.xml"), "utf8");
    const flagged = new Set<string>();
    for (const entry of xml.split("<CcyNtry>").slice(1)) {
      const code = /<Ccy>([A-Z]{3})<\/Ccy>/.exec(entry)?.[1];
      if (code && (/IsFund="true"/.test(entry) || /<CcyMnrUnts>N\.A\.<\/CcyMnrUnts>/.test(entry))) flagged.add(code);
    }
    expect(flagged.size).to.be.greaterThan(20);
    for (const code of flagged) expect(NOT_PAYMENT_CURRENCIES, code).to.have.property(code);
  });

  it("reads a code in lower case or with spaces as its upper-case code, and refuses one that is not an ISO 4217 code, naming it", function () {
    expect(currencyOf(" jpy ")).to.equal(CURRENCIES.JPY);
    for (const bad of ["ABC", "US", "USDD", "", "DEM"]) {
      expect(() => currencyOf(bad, "--currency"), bad).to.throw(`--currency "${bad}" is not an active ISO 4217 currency code (ISO 4217 of 2024-06-25; for example USD, EUR, JPY)`);
    }
  });

  it("reads DEPLOY_CURRENCIES in order, and refuses an empty list, a code given twice and a code that is not a currency of payment", function () {
    expect(currenciesFrom("USD,EUR,GBP,JPY,SGD,CHF").map((c) => c.code)).to.deep.equal(["USD", "EUR", "GBP", "JPY", "SGD", "CHF"]);
    expect(currenciesFrom(" usd , kwd ")).to.deep.equal([CURRENCIES.USD, CURRENCIES.KWD]);
    expect(() => currenciesFrom(" , ")).to.throw('DEPLOY_CURRENCIES=" , " names no currency (for example USD,EUR,JPY)');
    expect(() => currenciesFrom("USD,jpy,JPY")).to.throw('DEPLOY_CURRENCIES="USD,jpy,JPY" names JPY twice');
    expect(() => currenciesFrom("USD,XAU")).to.throw('DEPLOY_CURRENCIES "XAU" is a precious metal (gold), not a currency of payment');
    expect(() => currenciesFrom("USD,ABC")).to.throw('DEPLOY_CURRENCIES "ABC" is not an active ISO 4217 currency code');
  });
});

describe("lib/deployment deskLimits: one set of limits in every currency's own minor unit", function () {
  const limits = (over: Partial<typeof DEVELOPMENT_LIMITS>) => ({ ...DEVELOPMENT_LIMITS, ...over });

  it("reads the development limits in each currency's minor unit: 1,000,000.00 is 100,000,000 cents, 1,000,000 yen, 1,000,000,000 fils", function () {
    expect(deskLimits(DEVELOPMENT_LIMITS, CURRENCIES.USD).issuanceThreshold).to.equal(100_000_000n);
    expect(deskLimits(DEVELOPMENT_LIMITS, CURRENCIES.JPY)).to.deep.equal({
      issuanceThreshold: 1_000_000n, redemptionThreshold: 1_000_000n, officerAllowance: 5_000_000n, approvalWindow: DEVELOPMENT_LIMITS.approvalWindow,
    });
    expect(deskLimits(DEVELOPMENT_LIMITS, CURRENCIES.KWD).officerAllowance).to.equal(5_000_000_000n);
    expect(deskLimits(limits({ issuanceThreshold: "250000" }), CURRENCIES.KWD).issuanceThreshold).to.equal(250_000_000n);
    expect(deskLimits(limits({ issuanceThreshold: "12.3450" }), CURRENCIES.KWD).issuanceThreshold).to.equal(12_345n);
  });

  it("refuses a limit that needs more decimals than the currency has, naming the variable and the currency", function () {
    expect(() => deskLimits(limits({ issuanceThreshold: "1000000.50" }), CURRENCIES.JPY))
      .to.throw('ISSUANCE_THRESHOLD "1000000.50" has 2 decimals; JPY has 0 (its ISO 4217 minor unit): give the limit in whole units');
    expect(() => deskLimits(limits({ officerAllowance: "10.0005" }), CURRENCIES.KWD))
      .to.throw('OFFICER_ALLOWANCE "10.0005" has 4 decimals; KWD has 3 (its ISO 4217 minor unit): give the limit in whole units with at most 3 decimals');
    expect(deskLimits(limits({ redemptionThreshold: "1,000" }), CURRENCIES.USD).redemptionThreshold).to.equal(100_000n);
    expect(() => deskLimits(limits({ redemptionThreshold: "1e6" }), CURRENCIES.JPY))
      .to.throw('REDEMPTION_THRESHOLD (JPY) "1e6" is not an amount in currency units');
  });
});
