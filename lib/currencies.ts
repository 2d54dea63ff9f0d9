/**
 * The currencies a deposit token can be issued in: every active ISO 4217 code of the `currency-codes`
 * package (ISO's list one) that is a currency of payment, with its ISO minor unit as the token's decimals.
 */
import * as isoCurrencies from "currency-codes";

/** One deposit token to deploy: an ISO 4217 currency and its minor unit. */
export interface CurrencyConfig {
  code: string;
  name: string;
  symbol: string;
  decimals: number;
}

/**
 * Codes of ISO 4217 that are not currencies of payment, and why: a bank holds deposits, and so issues
 * deposit tokens, only in money a client can pay with. Refused are the fund codes (ISO's list one marks
 * them IsFund: index-linked units and next-day funds beside a currency), the units of account (special
 * drawing rights, regional and bond-market units, Uruguay's wage-indexed unit), the precious metals, and
 * the codes for testing and for transactions without a currency (ISO gives all but the fund codes no
 * minor unit, "N.A.").
 */
export const NOT_PAYMENT_CURRENCIES: Readonly<Record<string, string>> = {
  BOV: "a fund code (Bolivian Mvdol)",
  CHE: "a fund code (WIR Euro)",
  CHW: "a fund code (WIR Franc)",
  CLF: "a fund code (Chilean Unidad de Fomento)",
  COU: "a fund code (Colombian Unidad de Valor Real)",
  MXV: "a fund code (Mexican Unidad de Inversion)",
  USN: "a fund code (US Dollar next day)",
  UYI: "a fund code (Uruguay Peso en Unidades Indexadas)",
  UYW: "a unit of account (Uruguay's Unidad Previsional)",
  XDR: "a unit of account (IMF Special Drawing Right)",
  XSU: "a unit of account (Sucre of the ALBA countries)",
  XUA: "a unit of account (ADB Unit of Account)",
  XBA: "a unit of account (Bond Markets Unit EURCO)",
  XBB: "a unit of account (Bond Markets Unit E.M.U.-6)",
  XBC: "a unit of account (Bond Markets Unit E.U.A.-9)",
  XBD: "a unit of account (Bond Markets Unit E.U.A.-17)",
  XAU: "a precious metal (gold)",
  XAG: "a precious metal (silver)",
  XPT: "a precious metal (platinum)",
  XPD: "a precious metal (palladium)",
  XTS: "the code reserved for testing",
  XXX: "the code for transactions without a currency",
};

/** The ISO 4217 edition the package carries ("2024-06-25"). */
export const ISO_4217_PUBLISHED = isoCurrencies.publishDate;

/** The token of a currency: "USD Deposit Token", symbol "USDD"; the decimals are the ISO minor unit. */
function tokenOf(code: string, digits: number): CurrencyConfig {
  return { code, name: `${code} Deposit Token`, symbol: `${code}D`, decimals: digits };
}

/** Every currency a deposit token can be issued in, by code (CURRENCIES.USD, CURRENCIES.JPY ...). */
export const CURRENCIES: Readonly<Record<string, CurrencyConfig>> = Object.freeze(Object.fromEntries(
  isoCurrencies.data
    .filter((c) => NOT_PAYMENT_CURRENCIES[c.code] === undefined)
    .map((c) => [c.code, Object.freeze(tokenOf(c.code, c.digits))]),
));

/**
 * The deposit token of an ISO 4217 currency of payment ("jpy" is read as JPY). Refuses in one line,
 * naming `what` and the value, a code that is not in ISO 4217 and one that is not a currency of payment.
 */
export function currencyOf(text: string, what = "currency"): CurrencyConfig {
  const code = text.trim().toUpperCase();
  const currency = CURRENCIES[code];
  if (currency) return currency;
  const reason = NOT_PAYMENT_CURRENCIES[code];
  if (reason !== undefined) {
    throw new Error(`${what} "${text}" is ${reason}, not a currency of payment: a deposit token is issued in a currency clients pay with`);
  }
  throw new Error(`${what} "${text}" is not an active ISO 4217 currency code (ISO 4217 of ${ISO_4217_PUBLISHED}; for example USD, EUR, JPY)`);
}
