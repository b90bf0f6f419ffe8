-- Every Tessera account seen, keyed by address with the slot it was read at; an upsert never
-- moves an account backwards, and a closed account keeps its row with closed = true.
CREATE TABLE accounts (
    address TEXT PRIMARY KEY,
    kind TEXT NOT NULL,
    slot BIGINT NOT NULL,
    closed BOOLEAN NOT NULL DEFAULT false,
    data BYTEA NOT NULL
);
CREATE INDEX accounts_kind ON accounts (kind) WHERE NOT closed;

-- Market search: one row per node, the columns people filter and sort on.
CREATE TABLE nodes (
    address TEXT PRIMARY KEY,
    slot BIGINT NOT NULL,
    provider TEXT NOT NULL,
    pool TEXT NOT NULL,
    model TEXT NOT NULL,
    gpus INTEGER NOT NULL,
    gpus_free INTEGER NOT NULL,
    price BIGINT NOT NULL,
    tflops_centi INTEGER NOT NULL,
    attested BOOLEAN NOT NULL,
    online BOOLEAN NOT NULL,
    receipts_settled BIGINT NOT NULL DEFAULT 0,
    disputes_lost INTEGER NOT NULL DEFAULT 0,
    closed BOOLEAN NOT NULL DEFAULT false
);
CREATE INDEX nodes_by_price ON nodes (price, address) WHERE NOT closed;
CREATE INDEX nodes_by_free ON nodes (gpus_free DESC, address) WHERE NOT closed;
CREATE INDEX nodes_by_tflops ON nodes (tflops_centi DESC, address) WHERE NOT closed;
CREATE INDEX nodes_by_reputation ON nodes (receipts_settled DESC, address) WHERE NOT closed;
CREATE INDEX nodes_by_provider ON nodes (provider);

-- The program's events, keyed by transaction signature and position; inserts are idempotent.
-- `seq` is the order they were stored in, which is the chain's order (transactions are
-- indexed oldest first), so events of one slot keep their order.
CREATE TABLE events (
    seq BIGSERIAL NOT NULL,
    signature TEXT NOT NULL,
    idx INTEGER NOT NULL,
    slot BIGINT NOT NULL,
    block_time BIGINT NOT NULL,
    finalized BOOLEAN NOT NULL DEFAULT false,
    name TEXT NOT NULL,
    pool TEXT,
    node TEXT,
    lease TEXT,
    wallet TEXT,
    amount NUMERIC,
    shares NUMERIC,
    data JSONB NOT NULL,
    raw BYTEA NOT NULL,
    PRIMARY KEY (signature, idx)
);
CREATE INDEX events_by_pool ON events (pool, seq) WHERE pool IS NOT NULL;
CREATE INDEX events_by_lease ON events (lease, seq) WHERE lease IS NOT NULL;
CREATE INDEX events_by_node ON events (node, seq) WHERE node IS NOT NULL;
CREATE INDEX events_by_wallet ON events (wallet, seq) WHERE wallet IS NOT NULL;
CREATE INDEX events_unfinalized ON events (slot) WHERE NOT finalized;

-- Where each stream stopped: the newest program transaction indexed.
CREATE TABLE cursors (
    name TEXT PRIMARY KEY,
    signature TEXT NOT NULL,
    slot BIGINT NOT NULL
);

-- Providers' records, copied onto their nodes for sorting by reputation.
CREATE TABLE providers (
    address TEXT PRIMARY KEY,
    slot BIGINT NOT NULL,
    receipts_settled BIGINT NOT NULL,
    disputes_lost INTEGER NOT NULL
);

-- Each lease's node, renter and pool (fixed at opening), to find a node's or pool's events.
CREATE TABLE leases (
    address TEXT PRIMARY KEY,
    node TEXT NOT NULL,
    renter TEXT NOT NULL,
    pool TEXT NOT NULL
);
CREATE INDEX leases_by_node ON leases (node);
CREATE INDEX leases_by_pool ON leases (pool);
