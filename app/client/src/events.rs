//! The program's events, read back from a transaction: every event is emitted by self-CPI
//! (`emit_cpi!`), so it travels as the data of an inner instruction to the program:
//! `EVENT_IX_TAG_LE ‖ event discriminator ‖ borsh(event)`.

use anchor_lang::event::EVENT_IX_TAG_LE;
use anchor_lang::{AnchorDeserialize, Discriminator};
use tessera::events::*;

/// Declares [`TesseraEvent`] over every event type, decoded by discriminator.
macro_rules! tessera_events {
    ($($name:ident,)*) => {
        /// Any event of the program.
        #[derive(Clone, Debug)]
        #[allow(missing_docs)]
        pub enum TesseraEvent {
            $($name($name),)*
        }

        impl TesseraEvent {
            /// The event in one inner instruction's data, if it is one of the program's.
            pub fn decode(data: &[u8]) -> Option<Self> {
                let body = data.strip_prefix(EVENT_IX_TAG_LE)?;
                $(
                    if let Some(mut rest) = body.strip_prefix($name::DISCRIMINATOR) {
                        return $name::deserialize(&mut rest).ok().map(Self::$name);
                    }
                )*
                None
            }

            /// The event's type name, as in the IDL.
            pub fn name(&self) -> &'static str {
                match self {
                    $(Self::$name(_) => stringify!($name),)*
                }
            }
        }
    };
}

tessera_events! {
    ProtocolInitialized, ParamsProposed, ParamsCancelled, ParamsUpdated,
    AuthorityTransferProposed, AuthorityTransferred, PausedSet, ProviderRegistered,
    NodeRegistered, NodeUpdated, BenchmarkAttested, LeaseOpened, LeaseToppedUp, ReceiptSubmitted,
    LeaseInGrace, ChargeSettled, ChargeDisputed, DisputeResolved, LeaseClosed, BidPosted,
    BidCancelled, BidAccepted, OperatorFeesClaimed, ProtocolFeesSwept, ProviderStatusSet,
    PoolCreated, Deposited, Redeemed, RedemptionRequested, RedemptionFulfilled,
    RedemptionClaimed, CapitalDrawn, CapitalRepaid, CapitalWrittenDown, Staked, UnstakeBegun,
    StakeWithdrawn, StakeRewardsClaimed, StakeRewardsFunded,
}

/// The event (discriminator first) in one inner instruction's data, without Anchor's event tag;
/// `None` when the instruction is not an event.
pub fn body(data: &[u8]) -> Option<&[u8]> {
    data.strip_prefix(EVENT_IX_TAG_LE)
}

/// Every program event among the inner instructions' `data`, in order.
pub fn decode_all<'a>(data: impl IntoIterator<Item = &'a [u8]>) -> Vec<TesseraEvent> {
    data.into_iter().filter_map(TesseraEvent::decode).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::Event;

    #[test]
    fn an_emitted_event_decodes_to_itself_and_other_data_to_nothing() {
        let event = PausedSet {
            was_paused: false,
            paused: true,
        };
        let data = [EVENT_IX_TAG_LE, &event.data()].concat();
        match TesseraEvent::decode(&data) {
            Some(TesseraEvent::PausedSet(e)) => assert!(e.paused && !e.was_paused),
            other => panic!("decoded {other:?}"),
        }
        assert!(TesseraEvent::decode(&event.data()).is_none(), "no tag");
        assert!(TesseraEvent::decode(&[EVENT_IX_TAG_LE, &[0; 8]].concat()).is_none());
        assert_eq!(decode_all([&data[..], &[1, 2, 3][..]]).len(), 1);
    }
}
