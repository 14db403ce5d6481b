//! Attestors, votes and the audit draw, on top of [`crate::market::Market`].

use crate::BanksClientError;
use anchor_lang::prelude::Pubkey;
use solana_sdk::signature::{Keypair, Signer};
use spice::instructions::AttestArgs;
use spice::state::Verdict;
use spice_sdk::ix;

use crate::market::{Actor, Market};
use crate::Env;

/// Reads the SlotHashes sysvar's raw data.
pub async fn slot_hashes(env: &mut Env) -> Vec<u8> {
    env.account_data(&spice::audit::SLOT_HASHES_ID)
        .await
        .expect("SlotHashes exists")
}

impl Market {
    /// `n` funded attestors, added by the authority, and the clock moved past the governance
    /// delay so they may vote on jobs accepted from now on.
    pub async fn attestors(&mut self, n: usize) -> Vec<Keypair> {
        let out = self.attestors_pending(n).await;
        let delay = self.network().await.params.unbond_seconds;
        self.env.warp_seconds(delay).await;
        out
    }

    /// `n` funded attestors added by the authority, their addition not yet effective.
    pub async fn attestors_pending(&mut self, n: usize) -> Vec<Keypair> {
        let mut out = Vec::new();
        for _ in 0..n {
            let kp = self.env.funded(1_000_000_000).await;
            let add = ix::add_attestor(self.authority.pubkey(), self.net.network, kp.pubkey());
            let auth = self.authority.insecure_clone();
            Env::ok(self.env.send(&[add], &[&auth]).await);
            out.push(kp);
        }
        out
    }

    /// `attest` on `job` by `attestor`, closing the earlier voters' attestations if it decides.
    #[allow(clippy::too_many_arguments)]
    pub async fn try_attest(
        &mut self,
        job: Pubkey,
        client: &Actor,
        provider: &Actor,
        attestor: &Keypair,
        verdict: Verdict,
        measured_units: u64,
        earlier: &[Pubkey],
    ) -> Result<(), BanksClientError> {
        let keys = self.settle_keys(job, client, provider).await;
        let ix = ix::attest(
            &self.net,
            &keys,
            attestor.pubkey(),
            AttestArgs {
                verdict,
                measured_units,
                evidence_hash: [5; 32],
                evidence_uri: "https://example.org/evidence".into(),
            },
            earlier,
        );
        self.env.send(&[ix], &[attestor]).await
    }
}
