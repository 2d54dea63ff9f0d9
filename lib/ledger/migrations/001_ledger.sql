-- The ledger of one deployment: every movement and state change its contracts recorded on chain.
-- Amounts are in the token's smallest unit (NUMERIC(78,0) holds any uint256); times are block times.

-- Where the ledger stands: the last block indexed and its hash (checked against the chain on resume).
CREATE TABLE sync_cursor (
  id SMALLINT PRIMARY KEY CHECK (id = 1),
  network TEXT NOT NULL,
  chain_id BIGINT NOT NULL,
  first_block BIGINT NOT NULL,
  last_block BIGINT NOT NULL,
  last_hash TEXT NOT NULL,
  updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

-- The deployment's contracts, as the record names them ("DepositToken:USD", "SecurityToken:<ISIN>", ...).
CREATE TABLE contracts (
  address TEXT PRIMARY KEY,
  key TEXT NOT NULL,
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  -- A deposit token's minor unit (its currency's); NULL for other contracts.
  decimals INTEGER,
  deployed_block BIGINT NOT NULL
);

-- Blocks that carry an event of the deployment, with their booking time.
CREATE TABLE blocks (
  number BIGINT PRIMARY KEY,
  hash TEXT NOT NULL,
  time TIMESTAMPTZ NOT NULL
);

-- Every event of the deployment's contracts, decoded (args as JSON, uint256 as decimal strings).
CREATE TABLE events (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  contract TEXT NOT NULL,
  name TEXT NOT NULL,
  args JSONB NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
);
CREATE INDEX events_block ON events (block_number);
CREATE INDEX events_name ON events (name);

-- Every ERC-20 Transfer of the deposit and security tokens, classified by what moved it.
-- kind: payment, issuance, redemption_request, redemption_payout, redemption_refund, forced_transfer,
-- escrow_lock, escrow_settle, escrow_refund, escrow_excess, trade_delivery, trade_batch_net (a signed trade
-- batch's net movement between its parties), batch_net (a payment batch's), fx_payment, burn,
-- transfer (a security moved between wallets outside a trade).
CREATE TABLE movements (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  amount NUMERIC(78,0) NOT NULL,
  kind TEXT NOT NULL,
  reference TEXT,
  legal_ref TEXT,
  deposit_ref TEXT,
  redemption_id NUMERIC(78,0),
  trade_id TEXT,
  PRIMARY KEY (tx_hash, log_index)
);
CREATE INDEX movements_from ON movements (from_address, block_time);
CREATE INDEX movements_to ON movements (to_address, block_time);
CREATE INDEX movements_token ON movements (token, block_number);

-- Payments in deposit tokens: each ReferencedTransfer (alone or an instruction of a netted batch) and each
-- plain transfer between wallets; nonce is the signed authorization's (EIP-3009), when it was one. batch_log_index names the PaymentBatchSettled of the instruction's batch.
CREATE TABLE payments (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  from_address TEXT NOT NULL,
  to_address TEXT NOT NULL,
  amount NUMERIC(78,0) NOT NULL,
  reference TEXT,
  nonce TEXT,
  batch_log_index INTEGER,
  PRIMARY KEY (tx_hash, log_index)
);
CREATE INDEX payments_from ON payments (from_address, block_time);
CREATE INDEX payments_to ON payments (to_address, block_time);

-- The information a transaction carried after its call's arguments, for a reference in its events.
CREATE TABLE payment_information (
  tx_hash TEXT NOT NULL,
  reference TEXT NOT NULL,
  text_reference TEXT,
  uetr TEXT,
  end_to_end_id TEXT,
  remittance TEXT,
  creditor_reference TEXT,
  PRIMARY KEY (tx_hash, reference)
);

-- Netted batches of signed payments; their instructions are payments rows with batch_log_index.
CREATE TABLE payment_batches (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  submitter TEXT NOT NULL,
  instructions INTEGER NOT NULL,
  gross_value NUMERIC(78,0) NOT NULL,
  net_value NUMERIC(78,0) NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
);

-- Issuance of deposit tokens (Issued) and securities (SecuritiesIssued).
CREATE TABLE issuances (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  to_address TEXT NOT NULL,
  amount NUMERIC(78,0) NOT NULL,
  deposit_ref TEXT,
  issuer TEXT NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
);

-- Redemption requests and their outcome (pending, completed, rejected).
CREATE TABLE redemptions (
  token TEXT NOT NULL,
  id NUMERIC(78,0) NOT NULL,
  holder TEXT NOT NULL,
  amount NUMERIC(78,0) NOT NULL,
  status TEXT NOT NULL,
  requested_tx TEXT NOT NULL,
  requested_time TIMESTAMPTZ NOT NULL,
  outcome_tx TEXT,
  outcome_time TIMESTAMPTZ,
  reject_reason TEXT,
  PRIMARY KEY (token, id)
);

-- Freezes and unfreezes of wallets, per token.
CREATE TABLE freezes (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  token TEXT NOT NULL,
  wallet TEXT NOT NULL,
  frozen BOOLEAN NOT NULL,
  operator TEXT NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
);

-- Participants as the registry's events leave them (status: 0 none, 1 active, 2 suspended, 3 revoked).
CREATE TABLE participants (
  id TEXT PRIMARY KEY,
  name TEXT,
  status INTEGER,
  kyc_expiry BIGINT,
  updated_block BIGINT NOT NULL
);

-- Wallets linked to participants (linked false once unlinked).
CREATE TABLE participant_wallets (
  wallet TEXT PRIMARY KEY,
  participant_id TEXT NOT NULL,
  linked BOOLEAN NOT NULL,
  updated_block BIGINT NOT NULL
);

-- Every change of a participant: onboarded, named, status, kyc, wallet_linked, wallet_unlinked.
CREATE TABLE participant_changes (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  participant_id TEXT NOT NULL,
  change TEXT NOT NULL,
  previous TEXT,
  value TEXT,
  PRIMARY KEY (tx_hash, log_index)
);

-- Trades of the escrow (DvP and PvP): proposed ones by tradeId, signed ones by their EIP-712 hash.
-- flow: escrow (proposed, funded, settled) or signed (both signatures, settled at once); kind: dvp or pvp.
-- status: proposed, funded, settled, cancelled, expired, closed_by_order.
CREATE TABLE trades (
  trade_id TEXT PRIMARY KEY,
  flow TEXT NOT NULL,
  kind TEXT NOT NULL,
  ref TEXT NOT NULL,
  seller TEXT NOT NULL,
  buyer TEXT NOT NULL,
  asset TEXT NOT NULL,
  asset_amount NUMERIC(78,0) NOT NULL,
  cash TEXT NOT NULL,
  cash_amount NUMERIC(78,0) NOT NULL,
  deadline BIGINT NOT NULL,
  status TEXT NOT NULL,
  legal_ref TEXT,
  proposed_tx TEXT NOT NULL,
  proposed_time TIMESTAMPTZ NOT NULL,
  closed_tx TEXT,
  closed_time TIMESTAMPTZ
);

-- Reserve attestations of the issuance desks.
CREATE TABLE reserve_attestations (
  tx_hash TEXT NOT NULL,
  log_index INTEGER NOT NULL,
  block_number BIGINT NOT NULL,
  block_time TIMESTAMPTZ NOT NULL,
  desk TEXT NOT NULL,
  token TEXT,
  amount NUMERIC(78,0) NOT NULL,
  report_hash TEXT NOT NULL,
  as_of BIGINT NOT NULL,
  available NUMERIC(78,0) NOT NULL,
  supply NUMERIC(78,0) NOT NULL,
  attester TEXT NOT NULL,
  PRIMARY KEY (tx_hash, log_index)
);
