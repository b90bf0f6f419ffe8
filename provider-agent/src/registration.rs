//! Registering the rig as a node from its own inventory, and attesting measured benchmark
//! figures with the agent key. Simulated inventories may be registered on test chains only by
//! the caller's choice; simulated benchmark figures are never attested.

use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Keypair;
use solana_sdk::signer::Signer;
use tessera::signed::{message_bytes, BenchmarkAttestation};
use tessera::state::{NodeSpec, Pool, Provider};
use tessera_client::chain::fetch;
use tessera_client::instructions as ix;
use tessera_client::{pda, Chain, ClientError};

use crate::benchmark::Measured;
use crate::gpu::{GpuBackend, GpuError};

/// Registration errors.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    /// The backend found no GPU.
    #[error("no GPU found: nothing to register")]
    NoGpus,
    /// The GPUs differ in model; a node holds one model.
    #[error("the rig mixes GPU models ({0} and {1}); register one node per model")]
    MixedModels(String, String),
    /// The GPU backend failed.
    #[error(transparent)]
    Gpu(#[from] GpuError),
    /// The terms cannot be registered.
    #[error("{0}; nothing was registered")]
    Terms(String),
    /// The provider wallet has not registered as a provider.
    #[error(
        "wallet {0} is not a registered provider: stake with `tessera stake add <amount>`, then \
         `tessera provider register`, both signed by that wallet; nothing was registered"
    )]
    NotAProvider(Pubkey),
    /// The chain failed.
    #[error(transparent)]
    Chain(#[from] ClientError),
}

impl Terms {
    /// Refuses terms the program would refuse, in the flags' words, before anything is sent.
    fn check(&self) -> Result<(), RegisterError> {
        use tessera_client::units::format_duration;
        if self.price_per_gpu_hour == 0 {
            return Err(RegisterError::Terms("--price must be more than 0".into()));
        }
        if self.min_lease_secs > self.max_lease_secs {
            return Err(RegisterError::Terms(format!(
                "--min-lease ({}) is longer than --max-lease ({})",
                format_duration(u64::from(self.min_lease_secs)),
                format_duration(u64::from(self.max_lease_secs))
            )));
        }
        Ok(())
    }
}

/// Terms the provider sets.
#[derive(Debug, Clone, Copy)]
pub struct Terms {
    /// Pool the node earns for (operated by the provider).
    pub pool: Pubkey,
    /// Price per GPU-hour, settlement base units.
    pub price_per_gpu_hour: u64,
    /// Shortest lease, seconds.
    pub min_lease_secs: u32,
    /// Longest lease, seconds.
    pub max_lease_secs: u32,
}

/// What was registered.
#[derive(Debug, Clone, PartialEq)]
pub struct Registered {
    /// The node account.
    pub node: Pubkey,
    /// Its spec, from the inventory.
    pub spec: NodeSpec,
    /// Whether benchmark figures were attested.
    pub attested: bool,
}

/// Registers a node for `provider` with the rig's GPUs and `agent` as its agent key, then
/// attests `bench` if it was measured on real hardware.
pub async fn register(
    chain: &dyn Chain,
    provider: &Keypair,
    agent: &Keypair,
    gpu: &dyn GpuBackend,
    terms: Terms,
    bench: Option<Measured>,
) -> Result<Registered, RegisterError> {
    let devices = gpu.devices()?;
    let first = devices.first().ok_or(RegisterError::NoGpus)?;
    if let Some(other) = devices.iter().find(|d| d.name != first.name) {
        return Err(RegisterError::MixedModels(
            first.name.clone(),
            other.name.clone(),
        ));
    }
    let mut model = [0u8; 32];
    let name = first.name.as_bytes();
    model[..name.len().min(32)].copy_from_slice(&name[..name.len().min(32)]);
    let spec = NodeSpec {
        gpu_model: model,
        gpu_count: u16::try_from(devices.len()).unwrap_or(u16::MAX),
        vram_mib: devices
            .iter()
            .map(|d| u32::try_from(d.memory_mib).unwrap_or(u32::MAX))
            .min()
            .unwrap_or(0),
        price_per_gpu_hour: terms.price_per_gpu_hour,
        min_lease_secs: terms.min_lease_secs,
        max_lease_secs: terms.max_lease_secs,
    };
    terms.check()?;
    let _: Pool = fetch(chain, &terms.pool).await?;
    let account: Provider =
        match fetch(chain, &pda::find_provider_address(&provider.pubkey()).0).await {
            Err(ClientError::AccountNotFound(_)) => {
                return Err(RegisterError::NotAProvider(provider.pubkey()))
            }
            other => other?,
        };
    chain
        .send(
            &[ix::register_node(
                provider.pubkey(),
                terms.pool,
                account.node_count,
                spec,
                agent.pubkey(),
            )],
            &[provider],
        )
        .await?;
    let node = ix::NodeKeys::derive(provider.pubkey(), account.node_count).node;
    let attested = match bench {
        Some(m) if m.source == "cuda" => {
            let at = chain.unix_timestamp().await?;
            let (tflops, bw) = (
                (m.bf16_tflops * 100.0).round() as u32,
                m.mem_bw_gbps.round() as u32,
            );
            let msg = message_bytes(&BenchmarkAttestation::new(node, tflops, bw, at))
                .map_err(|e| ClientError::Rpc(e.to_string()))?;
            chain
                .send(
                    &[
                        ix::ed25519(agent, &msg),
                        ix::attest_benchmark(node, tflops, bw, at),
                    ],
                    &[],
                )
                .await?;
            true
        }
        _ => false,
    };
    Ok(Registered {
        node,
        spec,
        attested,
    })
}
