//! What the database holds of an account or an event: its kind, the market columns of a
//! node, a provider's record, and an event's searchable columns.

use serde_json::Value;
use tessera_client::accounts::read;
use tessera_client::state::{Lease, Node, NodeStatus, Provider};

pub use tessera_client::accounts::kind;

/// A node's market columns.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeRow {
    pub provider: String,
    pub pool: String,
    pub model: String,
    pub gpus: i32,
    pub gpus_free: i32,
    pub price: i64,
    pub tflops_centi: i32,
    pub attested: bool,
    pub online: bool,
}

/// The node in `data`, if it decodes.
pub fn node(data: &[u8]) -> Option<NodeRow> {
    let n: Node = read(data)?;
    let model = String::from_utf8_lossy(&n.spec.gpu_model)
        .trim_end_matches('\0')
        .to_string();
    Some(NodeRow {
        provider: n.provider.to_string(),
        pool: n.pool.to_string(),
        model,
        gpus: i32::from(n.spec.gpu_count),
        gpus_free: i32::from(n.free_gpus()),
        price: i64::try_from(n.spec.price_per_gpu_hour).unwrap_or(i64::MAX),
        tflops_centi: i32::try_from(n.tflops_centi).unwrap_or(i32::MAX),
        attested: n.benchmarked_at > 0,
        online: n.status == NodeStatus::Online,
    })
}

/// A lease's node, renter and pool.
pub fn lease(data: &[u8]) -> Option<(String, String, String)> {
    let l: Lease = read(data)?;
    Some((l.node.to_string(), l.renter.to_string(), l.pool.to_string()))
}

/// A provider's record: receipts settled and disputes lost.
pub fn provider(data: &[u8]) -> Option<(i64, i32)> {
    let p: Provider = read(data)?;
    Some((
        i64::try_from(p.receipts_settled).unwrap_or(i64::MAX),
        i32::try_from(p.disputes_lost).unwrap_or(i32::MAX),
    ))
}

/// An event's searchable columns, from its decoded fields.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EventColumns {
    pub pool: Option<String>,
    pub node: Option<String>,
    pub lease: Option<String>,
    pub wallet: Option<String>,
    pub amount: Option<String>,
    pub shares: Option<String>,
}

/// The first of `names` present in `fields`, as text.
fn first(fields: &Value, names: &[&str]) -> Option<String> {
    names
        .iter()
        .find_map(|n| fields.get(*n).and_then(Value::as_str).map(str::to_string))
}

/// Pool, node, lease, wallet (investor, renter, owner, provider…), amount and shares.
pub fn columns(fields: &Value) -> EventColumns {
    EventColumns {
        pool: first(fields, &["pool"]),
        node: first(fields, &["node"]),
        lease: first(fields, &["lease"]),
        wallet: first(
            fields,
            &[
                "investor",
                "renter",
                "owner",
                "operator",
                "authority",
                "provider",
                "closer",
            ],
        ),
        amount: first(fields, &["assets", "amount", "charge", "escrow", "refund"]),
        shares: first(fields, &["shares"]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_event_is_found_by_its_pool_wallet_and_amount() {
        let fields = json!({"pool": "P", "investor": "W", "assets": "100", "shares": "99"});
        let c = columns(&fields);
        assert_eq!(
            (
                c.pool.as_deref(),
                c.wallet.as_deref(),
                c.amount.as_deref(),
                c.shares.as_deref()
            ),
            (Some("P"), Some("W"), Some("100"), Some("99"))
        );
        assert_eq!(
            kind(<Node as anchor_lang::Discriminator>::DISCRIMINATOR),
            Some("node")
        );
        assert_eq!(kind(&[0; 8]), None);
    }
}
