//! What happened to a job, after the fact: the program's events in transaction logs (`Program
//! data:` lines, on a cluster where the program runs as SBF), decoded with the program's own
//! event types, and instruction names from the committed IDL.

use anchor_lang::{AnchorDeserialize, Discriminator};
use base64::Engine;
use serde_json::{json, Value};
use solana_sdk::signature::Signature;
use spice::events::{
    AttestationCast, AuditDrawn, FraudSlashed, JobAccepted, JobCancelled, JobCreated, JobDisputed,
    JobExpired, JobSettled, ResultSubmitted,
};
use spice::state::{ExpireReason, SettleReason, Verdict};
use std::sync::OnceLock;

/// One transaction that touched an address: its signature, slot, time and log.
#[derive(Clone, Debug)]
pub struct TxLog {
    pub signature: Signature,
    pub slot: u64,
    pub block_time: Option<i64>,
    /// The transaction failed (its events did not happen).
    pub failed: bool,
    pub logs: Vec<String>,
}

/// The name of the Spice instruction whose data starts with its discriminator (from the
/// committed IDL).
pub fn instruction_name(data: &[u8]) -> Option<String> {
    static NAMES: OnceLock<Vec<(Vec<u8>, String)>> = OnceLock::new();
    let names = NAMES.get_or_init(|| {
        let idl: Value =
            serde_json::from_str(include_str!("../../../idl/spice.json")).unwrap_or_default();
        idl["instructions"]
            .as_array()
            .map(|ixs| {
                ixs.iter()
                    .filter_map(|ix| {
                        let disc: Vec<u8> = ix["discriminator"]
                            .as_array()?
                            .iter()
                            .filter_map(|b| u8::try_from(b.as_u64()?).ok())
                            .collect();
                        Some((disc, ix["name"].as_str()?.to_string()))
                    })
                    .collect()
            })
            .unwrap_or_default()
    });
    names
        .iter()
        .find(|(d, _)| !d.is_empty() && data.starts_with(d))
        .map(|(_, n)| n.clone())
}

fn decode<T: AnchorDeserialize + Discriminator>(bytes: &[u8]) -> Option<T> {
    let body = bytes.strip_prefix(T::DISCRIMINATOR)?;
    T::deserialize(&mut &body[..]).ok()
}

fn settle_reason(r: SettleReason) -> &'static str {
    match r {
        SettleReason::Approved => "approved",
        SettleReason::ChallengeWindowPassed => "challenge_window_passed",
        SettleReason::ValidQuorum => "valid_quorum",
    }
}

fn expire_reason(r: ExpireReason) -> &'static str {
    match r {
        ExpireReason::NotAccepted => "not_accepted",
        ExpireReason::NotSubmitted => "not_submitted",
        ExpireReason::NoQuorum => "no_quorum",
    }
}

/// A job event of `bytes` (a `Program data:` payload), as JSON with its `event` name and `job`.
pub fn job_event(bytes: &[u8]) -> Option<Value> {
    if let Some(e) = decode::<JobCreated>(bytes) {
        return Some(
            json!({"event": "JobCreated", "job": e.job.to_string(), "client": e.client.to_string(), "job_id": e.job_id, "price_per_unit": e.price_per_unit, "max_units": e.max_units, "escrowed": e.escrowed, "spec_uri": e.spec_uri}),
        );
    }
    if let Some(e) = decode::<JobAccepted>(bytes) {
        return Some(
            json!({"event": "JobAccepted", "job": e.job.to_string(), "provider": e.provider.to_string(), "stake_at_accept": e.stake_at_accept, "slash_lock": e.slash_lock}),
        );
    }
    if let Some(e) = decode::<ResultSubmitted>(bytes) {
        return Some(
            json!({"event": "ResultSubmitted", "job": e.job.to_string(), "provider": e.provider.to_string(), "reported_units": e.reported_units, "result_uri": e.result_uri}),
        );
    }
    if let Some(e) = decode::<JobDisputed>(bytes) {
        return Some(
            json!({"event": "JobDisputed", "job": e.job.to_string(), "client": e.client.to_string()}),
        );
    }
    if let Some(e) = decode::<AuditDrawn>(bytes) {
        return Some(
            json!({"event": "AuditDrawn", "job": e.job.to_string(), "selected": e.selected}),
        );
    }
    if let Some(e) = decode::<AttestationCast>(bytes) {
        let verdict = if e.verdict == Verdict::Valid {
            "valid"
        } else {
            "invalid"
        };
        return Some(
            json!({"event": "AttestationCast", "job": e.job.to_string(), "attestor": e.attestor.to_string(), "verdict": verdict, "measured_units": e.measured_units}),
        );
    }
    if let Some(e) = decode::<JobSettled>(bytes) {
        return Some(
            json!({"event": "JobSettled", "job": e.job.to_string(), "provider": e.provider.to_string(), "client": e.client.to_string(), "reason": settle_reason(e.reason), "final_units": e.final_units, "provider_payment": e.provider_payment, "protocol_fee": e.protocol_fee, "client_refund": e.client_refund}),
        );
    }
    if let Some(e) = decode::<JobExpired>(bytes) {
        return Some(
            json!({"event": "JobExpired", "job": e.job.to_string(), "client": e.client.to_string(), "reason": expire_reason(e.reason), "refunded": e.refunded}),
        );
    }
    if let Some(e) = decode::<JobCancelled>(bytes) {
        return Some(
            json!({"event": "JobCancelled", "job": e.job.to_string(), "client": e.client.to_string(), "refunded": e.refunded}),
        );
    }
    if let Some(e) = decode::<FraudSlashed>(bytes) {
        return Some(
            json!({"event": "FraudSlashed", "job": e.job.to_string(), "provider": e.provider.to_string(), "client": e.client.to_string(), "refunded": e.refunded, "slashed": e.slashed, "to_client": e.to_client}),
        );
    }
    None
}

/// The job events in a transaction's log, in order.
pub fn job_events(logs: &[String]) -> Vec<Value> {
    logs.iter()
        .filter_map(|l| l.strip_prefix("Program data: "))
        .filter_map(|b64| {
            base64::engine::general_purpose::STANDARD
                .decode(b64.trim())
                .ok()
        })
        .filter_map(|bytes| job_event(&bytes))
        .collect()
}

/// Whether an event ends a job.
pub fn ends_job(event: &Value) -> bool {
    matches!(
        event["event"].as_str(),
        Some("JobSettled" | "JobExpired" | "JobCancelled" | "FraudSlashed")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use anchor_lang::prelude::Pubkey;
    use anchor_lang::AnchorSerialize;

    fn data<T: AnchorSerialize + Discriminator>(e: &T) -> String {
        let mut bytes = T::DISCRIMINATOR.to_vec();
        e.serialize(&mut bytes).expect("serialize");
        format!(
            "Program data: {}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        )
    }

    #[test]
    fn events_in_logs_decode_with_the_programs_types() {
        let job = Pubkey::new_unique();
        let logs = vec![
            "Program log: Instruction: SettleJob".to_string(),
            data(&JobSettled {
                job,
                provider: Pubkey::new_unique(),
                client: Pubkey::new_unique(),
                reason: SettleReason::Approved,
                final_units: 90,
                provider_payment: 87_750,
                protocol_fee: 2_250,
                client_refund: 10_000,
                provider_payment_owed: false,
                client_refund_owed: false,
            }),
            "Program data: not base64 !".to_string(),
        ];
        let events = job_events(&logs);
        assert_eq!(events.len(), 1);
        assert_eq!(events[0]["event"], "JobSettled");
        assert_eq!(events[0]["job"], job.to_string());
        assert_eq!(events[0]["reason"], "approved");
        assert_eq!(events[0]["provider_payment"], 87_750);
        assert!(ends_job(&events[0]));
    }

    #[test]
    fn instruction_names_come_from_the_idl() {
        use anchor_lang::InstructionData;
        let data = spice::instruction::ExpireJob {}.data();
        assert_eq!(instruction_name(&data).as_deref(), Some("expire_job"));
        assert_eq!(instruction_name(&[0, 0, 0]), None);
    }
}
