-- Participants' legal names (ParticipantLegalName: the latest one of each participant stands), kept apart
-- from the text their id was derived from. A ledger synced before this migration holds those events in
-- `events` only: they are read back from there.
ALTER TABLE participants ADD COLUMN legal_name TEXT;

INSERT INTO participant_changes (tx_hash, log_index, block_number, block_time, participant_id, change, previous, value)
SELECT tx_hash, log_index, block_number, block_time, lower(args->>'id'), 'legal_name', NULL, args->>'legalName'
  FROM events
 WHERE name = 'ParticipantLegalName'
ON CONFLICT (tx_hash, log_index) DO NOTHING;

UPDATE participants p
   SET legal_name = latest.legal_name, updated_block = GREATEST(p.updated_block, latest.block_number)
  FROM (SELECT DISTINCT ON (lower(args->>'id')) lower(args->>'id') AS id, args->>'legalName' AS legal_name, block_number
          FROM events
         WHERE name = 'ParticipantLegalName'
         ORDER BY lower(args->>'id'), block_number DESC, log_index DESC) latest
 WHERE p.id = latest.id;
