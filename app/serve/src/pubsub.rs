//! The websocket subscriptions `@solana/kit`'s send-and-confirm and wallets use:
//! `signatureSubscribe` (one notification when the transaction lands, then the subscription
//! ends, as on a validator), `accountSubscribe` (a notification whenever the account changes)
//! and `slotSubscribe` (every new slot; kit's block-height watch). Notifications have the
//! validator's shapes: `{context: {slot}, value}` for signatures and accounts, `SlotInfo` for
//! slots; subscription ids are small integers.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use jsonrpsee::core::server::{PendingSubscriptionSink, SubscriptionMessage, SubscriptionSink};
use jsonrpsee::core::traits::IdProvider;
use jsonrpsee::types::{Params, SubscriptionId};
use jsonrpsee::RpcModule;
use serde::Serialize;
use solana_account_decoder::encode_ui_account;
use solana_account_decoder_client_types::{UiAccount, UiAccountEncoding};
use solana_rpc_client_api::config::{RpcAccountInfoConfig, RpcSignatureSubscribeConfig};
use solana_rpc_client_api::response::{
    ProcessedSignatureResult, ReceivedSignatureResult, Response, RpcResponseContext,
    RpcSignatureResult, SlotInfo,
};
use solana_sdk::pubkey::Pubkey;
use solana_sdk::signature::Signature;
use tokio::sync::broadcast::error::RecvError;

use crate::chain::Event;
use crate::node::Node;
use crate::params::{Args, RpcResult};

/// Subscription ids 0, 1, 2, … as a validator gives them (small enough for any JSON parser).
#[derive(Debug, Default)]
pub struct SequentialIds(AtomicU64);

impl IdProvider for SequentialIds {
    fn next_id(&self) -> SubscriptionId<'static> {
        SubscriptionId::Num(self.0.fetch_add(1, Ordering::Relaxed))
    }
}

/// The subscription methods, with their notification and unsubscribe methods.
pub const SUBSCRIPTIONS: &[(&str, &str, &str)] = &[
    (
        "accountSubscribe",
        "accountNotification",
        "accountUnsubscribe",
    ),
    (
        "signatureSubscribe",
        "signatureNotification",
        "signatureUnsubscribe",
    ),
    ("slotSubscribe", "slotNotification", "slotUnsubscribe"),
];

pub fn register(module: &mut RpcModule<Node>) -> anyhow::Result<()> {
    module.register_subscription(
        "accountSubscribe",
        "accountNotification",
        "accountUnsubscribe",
        |params, pending, node, _| async move { account(params, pending, node).await },
    )?;
    module.register_subscription(
        "signatureSubscribe",
        "signatureNotification",
        "signatureUnsubscribe",
        |params, pending, node, _| async move { signature(params, pending, node).await },
    )?;
    module.register_subscription(
        "slotSubscribe",
        "slotNotification",
        "slotUnsubscribe",
        |params, pending, node, _| async move { slot(params, pending, node).await },
    )?;
    Ok(())
}

/// Sends one notification; `false` if the client is gone.
async fn notify(sink: &SubscriptionSink, method: &str, result: &impl Serialize) -> bool {
    match SubscriptionMessage::new(method, sink.subscription_id(), result) {
        Ok(message) => sink.send(message).await.is_ok(),
        Err(_) => false,
    }
}

/// Accepts the subscription if its parameters parse; rejects it with their error otherwise.
async fn accept<T>(
    pending: PendingSubscriptionSink,
    parsed: RpcResult<T>,
) -> Option<(SubscriptionSink, T)> {
    match parsed {
        Ok(value) => pending.accept().await.ok().map(|sink| (sink, value)),
        Err(e) => {
            pending.reject(e).await;
            None
        }
    }
}

fn signature_params(params: &Params) -> RpcResult<(Signature, RpcSignatureSubscribeConfig)> {
    let args = Args::new(params, 2)?;
    Ok((
        args.signature(0)?,
        args.optional(1, "configuration")?.unwrap_or_default(),
    ))
}

/// `signatureSubscribe [signature, {commitment, enableReceivedNotification}]`.
async fn signature(params: Params<'static>, pending: PendingSubscriptionSink, node: Arc<Node>) {
    // Listen before looking, so a transaction landing in between is not missed.
    let mut events = node.subscribe();
    let Some((sink, (signature, config))) = accept(pending, signature_params(&params)).await else {
        return;
    };
    let method = "signatureNotification";
    let landed = |node: &Node| {
        node.read(|chain| {
            Ok(chain
                .landed(&signature)
                .map(|l| (l.slot, l.meta.status.clone().err())))
        })
        .ok()
        .flatten()
    };
    if config.enable_received_notification == Some(true) {
        let slot = node.read(|chain| Ok(chain.slot())).unwrap_or_default();
        let received = Response {
            context: RpcResponseContext::new(slot),
            value: RpcSignatureResult::ReceivedSignature(
                ReceivedSignatureResult::ReceivedSignature,
            ),
        };
        if !notify(&sink, method, &received).await {
            return;
        }
    }
    let mut found = landed(&node);
    while found.is_none() {
        tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => match event {
                Ok(Event::Landed { signature: s, slot, err }) if s == signature => {
                    found = Some((slot, err));
                }
                Ok(_) => {}
                Err(RecvError::Lagged(_)) => found = landed(&node),
                Err(RecvError::Closed) => return,
            }
        }
    }
    if let Some((slot, err)) = found {
        let value = Response {
            context: RpcResponseContext::new(slot),
            value: RpcSignatureResult::ProcessedSignature(ProcessedSignatureResult {
                err: err.map(Into::into),
            }),
        };
        notify(&sink, method, &value).await;
    }
}

fn account_params(params: &Params) -> RpcResult<(Pubkey, RpcAccountInfoConfig)> {
    let args = Args::new(params, 2)?;
    let config: RpcAccountInfoConfig = args.optional(1, "configuration")?.unwrap_or_default();
    if config.encoding == Some(UiAccountEncoding::JsonParsed) && config.data_slice.is_some() {
        return Err(crate::params::invalid_request(
            "Sliced account data can only be encoded using binary (base 58) or base64 encoding.",
        ));
    }
    Ok((args.pubkey(0)?, config))
}

/// The account as the subscription shows it (`None`: it does not exist).
fn account_view(
    node: &Node,
    address: &Pubkey,
    config: &RpcAccountInfoConfig,
) -> (u64, Option<UiAccount>) {
    node.read(|chain| {
        let encoding = config.encoding.unwrap_or(UiAccountEncoding::Binary);
        let now = chain.clock().unix_timestamp;
        let view = chain.account(address).map(|account| {
            let additional = (encoding == UiAccountEncoding::JsonParsed)
                .then(|| crate::tokens::additional_data(&account, |m| chain.account(m), now))
                .flatten();
            encode_ui_account(address, &account, encoding, additional, config.data_slice)
        });
        Ok((chain.slot(), view))
    })
    .unwrap_or((0, None))
}

/// `accountSubscribe [address, {encoding, dataSlice, commitment}]`: a notification each time
/// the account changes (a closed account shows as empty, owned by the system program).
async fn account(params: Params<'static>, pending: PendingSubscriptionSink, node: Arc<Node>) {
    let mut events = node.subscribe();
    let Some((sink, (address, config))) = accept(pending, account_params(&params)).await else {
        return;
    };
    let (_, mut last) = account_view(&node, &address, &config);
    loop {
        tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => match event {
                Ok(Event::Accounts { .. }) | Err(RecvError::Lagged(_)) => {
                    let (slot, now) = account_view(&node, &address, &config);
                    if now == last {
                        continue;
                    }
                    let value = now.clone().unwrap_or_else(|| closed_account(&config));
                    let notification = Response { context: RpcResponseContext::new(slot), value };
                    if !notify(&sink, "accountNotification", &notification).await {
                        return;
                    }
                    last = now;
                }
                Ok(_) => {}
                Err(RecvError::Closed) => return,
            }
        }
    }
}

/// What a validator notifies for an account that was closed: no lamports, no data.
fn closed_account(config: &RpcAccountInfoConfig) -> UiAccount {
    let empty = solana_sdk::account::Account::default();
    let encoding = match config.encoding.unwrap_or(UiAccountEncoding::Binary) {
        UiAccountEncoding::JsonParsed => UiAccountEncoding::Base64,
        other => other,
    };
    encode_ui_account(&Pubkey::default(), &empty, encoding, None, None)
}

/// `slotSubscribe []`: every slot the chain moves to.
async fn slot(params: Params<'static>, pending: PendingSubscriptionSink, node: Arc<Node>) {
    let mut events = node.subscribe();
    let parsed = Args::new(&params, 0).map(|_| ());
    let Some((sink, ())) = accept(pending, parsed).await else {
        return;
    };
    loop {
        tokio::select! {
            _ = sink.closed() => return,
            event = events.recv() => match event {
                Ok(Event::Slot { slot, parent }) => {
                    let info = SlotInfo { slot, parent, root: slot };
                    if !notify(&sink, "slotNotification", &info).await {
                        return;
                    }
                }
                Ok(_) | Err(RecvError::Lagged(_)) => {}
                Err(RecvError::Closed) => return,
            }
        }
    }
}
