/** What the platform is deployed with: currencies, securities, role holders. */

export { CURRENCIES, currencyOf } from "./currencies";
export type { CurrencyConfig } from "./currencies";

/** One tokenized security to deploy, identified by its ISIN. */
export interface SecurityConfig {
  isin: string;
  name: string;
  symbol: string;
  decimals: number;
}

/** Who holds which duty. Each role is granted to exactly the address named here. */
export interface RoleHolders {
  compliance: string;
  /** An issuance officer at every IssuanceDesk (and the issuer agent of every security). */
  issuer: string;
  /** The second issuance officer: approves what the first proposes, and the other way round. */
  secondIssuer: string;
  reserve: string;
  pauser: string;
  upgrader: string;
  /** Cancels scheduled timelock operations; never proposes or executes (kept apart from the upgrader). */
  guardian: string;
}

/**
 * The issuance controls of every IssuanceDesk, in currency units (decimal strings, parsed with each
 * currency's decimals): issuance or a redemption payout above its threshold needs two officers; below it
 * one officer may act alone within its allowance per rolling 24 hours.
 */
export interface IssuanceLimits {
  issuanceThreshold: string;
  redemptionThreshold: string;
  officerAllowance: string;
  /** Seconds a proposal can be approved for. */
  approvalWindow: number;
  /** The variable each amount came from, when not the general one of LIMIT_VARIABLES (ISSUANCE_THRESHOLD_JPY). */
  sources?: Partial<Record<keyof typeof LIMIT_VARIABLES, string>>;
}

/** The environment variable that sets each amount of IssuanceLimits off development networks (deploy/params.ts). */
export const LIMIT_VARIABLES = {
  issuanceThreshold: "ISSUANCE_THRESHOLD", redemptionThreshold: "REDEMPTION_THRESHOLD", officerAllowance: "OFFICER_ALLOWANCE",
} as const satisfies Record<Exclude<keyof IssuanceLimits, "approvalWindow" | "sources">, string>;

/** The limits of development networks, tests and the demo. */
export const DEVELOPMENT_LIMITS: IssuanceLimits = {
  issuanceThreshold: "1000000.00", redemptionThreshold: "1000000.00", officerAllowance: "5000000.00", approvalWindow: 24 * 3600,
};

/** The security the demo and the development networks settle: a tokenized bond, in whole units. */
export const DEMO_SECURITY: SecurityConfig = {
  isin: "US0378331005",
  name: "Tokenized Note US0378331005",
  symbol: "TN-0378",
  decimals: 0,
};

/**
 * Securities the tests and the gas benchmark settle in netted batches: the demo note and two more, in
 * whole units (valid ISINs, check digit included).
 */
export const SAMPLE_SECURITIES: SecurityConfig[] = [
  DEMO_SECURITY,
  { isin: "XS2010000003", name: "Tokenized Bond XS2010000003", symbol: "TB-0003", decimals: 0 },
  { isin: "DE0001102580", name: "Tokenized Bund DE0001102580", symbol: "BUND-80", decimals: 0 },
];
