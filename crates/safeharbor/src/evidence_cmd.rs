//! `safeharbor evidence verify|rotate-key`: operator checks on the stored evidence files.

use std::process::ExitCode;

use safeharbor_blob::LocalBlobStore;
use safeharbor_core::App;
use safeharbor_core::evidence::maintenance;
use safeharbor_core::ports::BlobCheck;

use crate::cli::EvidenceCommand;

/// Runs an evidence command.
pub async fn run(
    app: &App,
    blobs: &LocalBlobStore,
    cmd: EvidenceCommand,
) -> anyhow::Result<ExitCode> {
    match cmd {
        EvidenceCommand::Verify => verify(app).await,
        EvidenceCommand::SpeedTest { mib } => {
            let s = tokio::task::spawn_blocking(move || {
                safeharbor_blob::speed::measure(mib * 1024 * 1024)
            })
            .await??;
            println!(
                "sha256 {:.0} MB/s, aes-256-gcm {:.0} MB/s, one pass of both {:.0} MB/s (one core)",
                s.sha256, s.aes_gcm, s.one_pass
            );
            Ok(ExitCode::SUCCESS)
        }
        EvidenceCommand::RotateKey => {
            let key = blobs.rotate_key()?;
            println!("New current key {key}; re-encrypting stored files under it...");
            let r = maintenance::rewrap_all(app, |done, total| {
                if done % 100 == 0 || done == total {
                    eprintln!("  {done}/{total}");
                }
            })
            .await?;
            println!(
                "Done: {} files re-encrypted, {} already under key {}.",
                r.rewrapped, r.unchanged, r.key
            );
            println!(
                "Older key files in the keys directory are no longer needed for current files; keep them with your backups (older database backups refer to files they encrypted) before removing them."
            );
            Ok(ExitCode::SUCCESS)
        }
    }
}

async fn verify(app: &App) -> anyhow::Result<ExitCode> {
    let r = maintenance::verify(app, |done, total| {
        if done % 500 == 0 || done == total {
            tracing::debug!(done, total, "evidence verify");
        }
    })
    .await?;
    if r.problems.is_empty() {
        println!(
            "Evidence intact: {} stored files ({} bytes) decrypted, authenticated and re-hashed.",
            r.blobs, r.bytes
        );
        return Ok(ExitCode::SUCCESS);
    }
    for p in &r.problems {
        let what = match p.check {
            BlobCheck::Missing => "MISSING",
            BlobCheck::Altered | BlobCheck::Intact { .. } => "ALTERED",
        };
        println!(
            "{what}: sha256 {} (organization {}, evidence {}, version {})",
            p.blob.sha256, p.blob.org_slug, p.blob.evidence_id, p.blob.version
        );
    }
    println!(
        "Evidence NOT intact: {} of {} stored files missing or altered. Restore them from a backup of the data directory.",
        r.problems.len(),
        r.blobs
    );
    Ok(ExitCode::from(1))
}
