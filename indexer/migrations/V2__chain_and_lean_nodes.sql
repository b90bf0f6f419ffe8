-- The chain this database indexes, by its genesis hash (one row): another chain behind the
-- same RPC URL (a restarted local network) is refused instead of merged.
CREATE TABLE chain (
    one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),
    genesis_hash TEXT NOT NULL
);

-- A provider's record lives on its own row and the market joins it: a provider update no
-- longer rewrites every one of its nodes.
DROP INDEX nodes_by_reputation;
ALTER TABLE nodes DROP COLUMN receipts_settled, DROP COLUMN disputes_lost;

-- The market's default view: online nodes with a GPU free, cheapest first.
CREATE INDEX nodes_available_by_price ON nodes (price, address)
    WHERE NOT closed AND online AND gpus_free > 0;
