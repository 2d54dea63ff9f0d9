// `LEDGER_ACTIVITY_SCRIPT=1 hardhat run --network localhost test/ledger/activity-on-node.ts`: deploys the
// platform on a running node, records it in DEPLOYMENTS_DIR and makes the ledger tests' activity there.
// Imported by the test runner (it loads every file under test/), it does nothing.
import { activity } from "./activity";

if (process.env.LEDGER_ACTIVITY_SCRIPT === "1") {
  activity().then(
    () => process.exit(0),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
