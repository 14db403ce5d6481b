//! Signer seeds of the program's vault authorities. Each macro binds `$name` to the
//! `&[&[&[u8]]]` a CPI needs, rebuilt from the seeds and the stored bump of the account.

/// Binds `$name` to the Network PDA's signer seeds.
#[macro_export]
macro_rules! network_signer {
    ($network:expr, $name:ident) => {
        let id_bytes = $network.id.to_le_bytes();
        let bump = [$network.bump];
        let seeds: [&[u8]; 4] = [
            $crate::state::seeds::NETWORK,
            $network.creator.as_ref(),
            &id_bytes,
            &bump,
        ];
        let $name: &[&[&[u8]]] = &[&seeds];
    };
}

/// Binds `$name` to the Provider PDA's signer seeds.
#[macro_export]
macro_rules! provider_signer {
    ($provider:expr, $name:ident) => {
        let bump = [$provider.bump];
        let seeds: [&[u8]; 4] = [
            $crate::state::seeds::PROVIDER,
            $provider.network.as_ref(),
            $provider.owner.as_ref(),
            &bump,
        ];
        let $name: &[&[&[u8]]] = &[&seeds];
    };
}

/// Binds `$name` to the Job PDA's signer seeds.
#[macro_export]
macro_rules! job_signer {
    ($job:expr, $name:ident) => {
        let id_bytes = $job.job_id.to_le_bytes();
        let bump = [$job.bump];
        let seeds: [&[u8]; 5] = [
            $crate::state::seeds::JOB,
            $job.network.as_ref(),
            $job.client.as_ref(),
            &id_bytes,
            &bump,
        ];
        let $name: &[&[&[u8]]] = &[&seeds];
    };
}
