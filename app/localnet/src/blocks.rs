//! Blocks, as `getBlock` reports them. The bank keeps no per-slot record, so the local network
//! keeps its own: every slot in which a transaction landed is a block, with the bank's latest
//! blockhash when its first transaction ran, that moment's clock, and its transactions in the
//! order they landed. A slot in which nothing landed produced no block, as a leader's skipped
//! slot does on a cluster.

use std::collections::BTreeMap;

use solana_sdk::hash::Hash;
use solana_sdk::signature::Signature;

/// One slot's block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The bank's latest blockhash when the block's first transaction ran.
    pub blockhash: Hash,
    /// The cluster's unix time then.
    pub time: i64,
    /// Its transactions, in the order they landed.
    pub signatures: Vec<Signature>,
}

/// A block with what links it to the chain before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    /// The block.
    pub block: Block,
    /// The slot of the block before it (0, the genesis slot, for the first).
    pub parent_slot: u64,
    /// That block's blockhash (the genesis hash for the first).
    pub previous_blockhash: Hash,
}

/// Every block still in history, by slot.
#[derive(Debug, Default)]
pub struct Blocks(BTreeMap<u64, Block>);

impl Blocks {
    /// Adds `signature`, which landed in `slot` when the latest blockhash was `blockhash` and the
    /// clock read `time`.
    pub fn landed(&mut self, slot: u64, signature: Signature, blockhash: Hash, time: i64) {
        self.0
            .entry(slot)
            .or_insert_with(|| Block {
                blockhash,
                time,
                signatures: Vec::new(),
            })
            .signatures
            .push(signature);
    }

    /// Forgets `signature` of `slot` (history is capped); a block left empty goes with it.
    pub fn forget(&mut self, slot: u64, signature: &Signature) {
        if let Some(block) = self.0.get_mut(&slot) {
            block.signatures.retain(|s| s != signature);
            if block.signatures.is_empty() {
                self.0.remove(&slot);
            }
        }
    }

    /// The block of `slot`, linked to the one before it (`genesis` before the first).
    pub fn get(&self, slot: u64, genesis: Hash) -> Option<Linked> {
        let block = self.0.get(&slot)?.clone();
        let (parent_slot, previous_blockhash) = self
            .0
            .range(..slot)
            .next_back()
            .map_or((0, genesis), |(s, b)| (*s, b.blockhash));
        Some(Linked {
            block,
            parent_slot,
            previous_blockhash,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_link_to_the_previous_block_and_empty_ones_are_forgotten() {
        let genesis = Hash::new_unique();
        let (h3, h7) = (Hash::new_unique(), Hash::new_unique());
        let (a, b, c) = (
            Signature::new_unique(),
            Signature::new_unique(),
            Signature::new_unique(),
        );
        let mut blocks = Blocks::default();
        blocks.landed(3, a, h3, 100);
        blocks.landed(3, b, Hash::new_unique(), 101);
        blocks.landed(7, c, h7, 102);
        let first = blocks.get(3, genesis).expect("slot 3 has a block");
        assert_eq!((first.parent_slot, first.previous_blockhash), (0, genesis));
        assert_eq!(
            first.block.blockhash, h3,
            "the first transaction's blockhash"
        );
        assert_eq!(
            (first.block.time, first.block.signatures),
            (100, vec![a, b])
        );
        let second = blocks.get(7, genesis).expect("slot 7 has a block");
        assert_eq!((second.parent_slot, second.previous_blockhash), (3, h3));
        assert!(blocks.get(5, genesis).is_none(), "nothing landed in slot 5");
        blocks.forget(3, &a);
        blocks.forget(3, &b);
        assert!(blocks.get(3, genesis).is_none());
        let second = blocks.get(7, genesis).expect("still there");
        assert_eq!(
            (second.parent_slot, second.previous_blockhash),
            (0, genesis)
        );
    }
}
