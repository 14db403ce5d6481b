use solana_sdk::signature::Signer;
use spice_sdk::ix;
use spice_tests::market::{Market, Mints, MIN_STAKE};
use spice_tests::Env;

#[tokio::test]
async fn happy_path_settles_on_approval() {
    let mut m = Market::new(Mints::SPL).await;
    let provider = m.provider(MIN_STAKE).await;
    let client = m.actor(1_000_000, 0).await;
    let job = m.submitted_job(&client, &provider, 1_000, 100, 60).await;
    m.check_invariants().await;
    let keys = m.settle_keys(job, &client, &provider).await;
    let approve = ix::approve_job(&m.net, &keys);
    Env::ok(m.env.send(&[approve], &[&client.kp]).await);
    m.check_invariants().await;
    assert!(!m.env.exists(&job).await);
    assert_eq!(m.env.balance(&provider.payment).await, 58_500);
    let _ = client.kp.pubkey();
}
