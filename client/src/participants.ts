import { participantDisplay } from "../../lib/format";
import { app, Session } from "./state";

/**
 * Each participant as people know it ("Initech GmbH (LEI 549300INITECHCORP004)", the name its id was made
 * from, or nothing), by id in lower case: the newest ParticipantNamed and ParticipantLegalName of each.
 */
export async function participantLabels(s: Session): Promise<(id: string) => string | undefined> {
  const from = app.config.registry.fromBlock;
  const [named, legal] = await Promise.all([
    s.registry.queryFilter(s.registry.filters.ParticipantNamed(), from),
    s.registry.queryFilter(s.registry.filters.ParticipantLegalName(), from),
  ]);
  const names = new Map(named.map((e) => [e.args.id.toLowerCase(), e.args.name]));
  const legalNames = new Map(legal.map((e) => [e.args.id.toLowerCase(), e.args.legalName]));
  return (id) => {
    const key = id.toLowerCase();
    if (!names.has(key) && !legalNames.has(key)) return undefined;
    return participantDisplay(id, names.get(key), legalNames.get(key));
  };
}
