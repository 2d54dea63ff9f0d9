// Operator and client commands: `npx hardhat <command> --network <name>`; `npx hardhat help <command>`.
import "./participants";
import "./token";
import "./allowance";
import "./status";
import "./dvp";
import "./fx";
import "./payments";
import "./security";
import "./upgrade";
import "./roles";
import "./attestation-age";
import "./payment-cancel";
import "./keys";
import "./ledger";
