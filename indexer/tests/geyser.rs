//! The Geyser source against a fake Yellowstone gRPC server: it subscribes to the program's
//! confirmed, successful transactions, is woken by a streamed one, and serves it (events and
//! keys, block time from the RPC) without the node's `getTransaction`, which does not know it.

use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::Stream;
use tessera_indexer::geyser::GeyserSource;
use tessera_indexer::source::{RpcSource, Source};
use tessera_localnet::{serve, ClockMode, LocalChain, Options};
use yellowstone_grpc_proto::geyser::geyser_server::{Geyser, GeyserServer};
use yellowstone_grpc_proto::prelude::*;
use yellowstone_grpc_proto::tonic::{self, Request, Response, Status, Streaming};

type Updates<T> = Pin<Box<dyn Stream<Item = Result<T, Status>> + Send>>;

/// Answers a subscription with `updates`, then keeps the stream open; records what was asked.
struct Fake {
    updates: Vec<SubscribeUpdate>,
    asked: Arc<Mutex<Vec<SubscribeRequest>>>,
}

fn unsupported<T>() -> Result<Response<T>, Status> {
    Err(Status::unimplemented("not in the fake"))
}

#[tonic::async_trait]
impl Geyser for Fake {
    type SubscribeStream = Updates<SubscribeUpdate>;
    type SubscribeDeshredStream = Updates<SubscribeUpdateDeshred>;
    type SubscribeGossipStream = Updates<SubscribeUpdateGossip>;

    async fn subscribe(
        &self,
        request: Request<Streaming<SubscribeRequest>>,
    ) -> Result<Response<Self::SubscribeStream>, Status> {
        let mut inbound = request.into_inner();
        if let Some(first) = inbound.message().await? {
            self.asked.lock().unwrap().push(first);
        }
        let updates = futures_util::stream::iter(self.updates.clone().into_iter().map(Ok));
        let open = futures_util::StreamExt::chain(updates, futures_util::stream::pending());
        Ok(Response::new(Box::pin(open)))
    }

    async fn subscribe_deshred(
        &self,
        _: Request<Streaming<SubscribeDeshredRequest>>,
    ) -> Result<Response<Self::SubscribeDeshredStream>, Status> {
        unsupported()
    }

    async fn subscribe_gossip(
        &self,
        _: Request<SubscribeGossipRequest>,
    ) -> Result<Response<Self::SubscribeGossipStream>, Status> {
        unsupported()
    }

    async fn subscribe_replay_info(
        &self,
        _: Request<SubscribeReplayInfoRequest>,
    ) -> Result<Response<SubscribeReplayInfoResponse>, Status> {
        unsupported()
    }

    async fn ping(&self, _: Request<PingRequest>) -> Result<Response<PongResponse>, Status> {
        unsupported()
    }

    async fn get_latest_blockhash(
        &self,
        _: Request<GetLatestBlockhashRequest>,
    ) -> Result<Response<GetLatestBlockhashResponse>, Status> {
        unsupported()
    }

    async fn get_block_height(
        &self,
        _: Request<GetBlockHeightRequest>,
    ) -> Result<Response<GetBlockHeightResponse>, Status> {
        unsupported()
    }

    async fn get_slot(
        &self,
        _: Request<GetSlotRequest>,
    ) -> Result<Response<GetSlotResponse>, Status> {
        unsupported()
    }

    async fn is_blockhash_valid(
        &self,
        _: Request<IsBlockhashValidRequest>,
    ) -> Result<Response<IsBlockhashValidResponse>, Status> {
        unsupported()
    }

    async fn get_version(
        &self,
        _: Request<GetVersionRequest>,
    ) -> Result<Response<GetVersionResponse>, Status> {
        unsupported()
    }
}

/// A streamed program transaction at `slot`: a payer and the program, one inner instruction to
/// the program carrying `event`, one to the payer that is not an event.
fn update(signature: [u8; 64], slot: u64, event: Vec<u8>) -> SubscribeUpdate {
    let payer = solana_sdk::pubkey::Pubkey::new_unique();
    let inner = |program_id_index, data| InnerInstruction {
        program_id_index,
        accounts: vec![],
        data,
        stack_height: Some(2),
    };
    SubscribeUpdate {
        filters: vec!["tessera".into()],
        update_oneof: Some(subscribe_update::UpdateOneof::Transaction(
            SubscribeUpdateTransaction {
                transaction: Some(SubscribeUpdateTransactionInfo {
                    signature: signature.to_vec(),
                    transaction: Some(Transaction {
                        signatures: vec![signature.to_vec()],
                        message: Some(Message {
                            account_keys: vec![
                                payer.to_bytes().to_vec(),
                                tessera_client::ID.to_bytes().to_vec(),
                            ],
                            ..Default::default()
                        }),
                    }),
                    meta: Some(TransactionStatusMeta {
                        inner_instructions: vec![InnerInstructions {
                            index: 0,
                            instructions: vec![inner(1, event), inner(0, vec![9, 9])],
                        }],
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                slot,
                ..Default::default()
            },
        )),
        ..Default::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_transaction_wakes_the_loop_and_is_served_from_the_stream() {
    let chain = Arc::new(LocalChain::start().await);
    let node = serve(chain.clone(), Options::ephemeral(ClockMode::Manual))
        .await
        .unwrap();
    let slot = chain.slot();
    let event = [b"tag".to_vec(), vec![1, 2, 3]].concat();
    let signature = [7u8; 64];
    let asked = Arc::new(Mutex::new(Vec::new()));
    let fake = Fake {
        updates: vec![update(signature, slot, event.clone())],
        asked: asked.clone(),
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    tokio::spawn(
        tonic::transport::Server::builder()
            .add_service(GeyserServer::new(fake))
            .serve_with_incoming(tokio_stream::wrappers::TcpListenerStream::new(listener)),
    );

    let source = GeyserSource::new(
        RpcSource::new(&node.url, None),
        format!("http://{address}"),
        None,
    );
    let started = Instant::now();
    source.changed(Duration::from_secs(30)).await;
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "woken by the stream"
    );
    let request = asked.lock().unwrap().pop().expect("a subscription");
    let filter = &request.transactions["tessera"];
    assert_eq!(filter.account_include, vec![tessera_client::ID.to_string()]);
    assert_eq!((filter.failed, filter.vote), (Some(false), Some(false)));
    assert_eq!(request.commitment, Some(CommitmentLevel::Confirmed as i32));

    let name = solana_sdk::signature::Signature::from(signature).to_string();
    let tx = source
        .transaction(&name)
        .await
        .unwrap()
        .expect("served from the stream");
    assert_eq!(
        tx.program_data,
        vec![event],
        "only the program's inner instructions"
    );
    assert_eq!(tx.slot, slot);
    assert!(tx.keys.contains(&tessera_client::ID));
    assert!(tx.block_time > 0, "block time from the RPC");
    assert!(
        source.transaction(&name).await.unwrap().is_none(),
        "served once; then the node, which never saw it"
    );
}
