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
        EvidenceCommand::Verify { remove_orphans } => {
            let code = verify(app).await?;
            let orphans = orphans(app, blobs, remove_orphans).await?;
            Ok(if orphans > 0 && !remove_orphans {
                ExitCode::from(1)
            } else {
                code
            })
        }
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
            for (b, why) in &r.failed {
                println!(
                    "NOT RE-ENCRYPTED ({why}): sha256 {} (organization {}, evidence {}, version {})",
                    b.sha256, b.org_slug, b.evidence_id, b.version
                );
            }
            println!(
                "Running servers pick up the new key by themselves. Keep the older key files: remove one only after `evidence verify` passes with it moved away, and keep a copy with the backups made before today."
            );
            Ok(if r.failed.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

/// Stored files no record names: listed, and deleted when asked. Returns how many there were.
async fn orphans(app: &App, blobs: &LocalBlobStore, remove: bool) -> anyhow::Result<usize> {
    let known: std::collections::HashSet<String> = app
        .maintenance_blob_refs()
        .await?
        .into_iter()
        .map(|r| r.sha256)
        .collect();
    let found = blobs.orphans(&known)?;
    for sha in &found {
        if remove {
            blobs.remove_orphan(sha)?;
            println!("REMOVED orphan stored file {sha}");
        } else {
            println!("ORPHAN: stored file {sha} is named by no evidence record");
        }
    }
    if !found.is_empty() && !remove {
        println!(
            "{} stored file(s) are named by no record (left by a crash, or by a restore of an older \
             database). Remove them with `safeharbor evidence verify --remove-orphans` once you are \
             sure no database restore would need them.",
            found.len()
        );
    }
    Ok(found.len())
}

async fn verify(app: &App) -> anyhow::Result<ExitCode> {
    let r = maintenance::verify(app, |done, total| {
        if done % 500 == 0 || done == total {
            tracing::debug!(done, total, "evidence verify");
        }
    })
    .await?;
    maintenance::record_problems(app, &safeharbor_core::Caller::local_operator(), &r.problems)
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
            BlobCheck::KeyMissing => "KEY MISSING",
            BlobCheck::Altered | BlobCheck::Intact { .. } => "ALTERED",
        };
        println!(
            "{what}: sha256 {} (organization {}, evidence {}, version {})",
            p.blob.sha256, p.blob.org_slug, p.blob.evidence_id, p.blob.version
        );
    }
    println!(
        "Evidence NOT intact: {} of {} stored files missing, altered or without their key. Restore them (or the keys directory) from a backup of the data directory.",
        r.problems.len(),
        r.blobs
    );
    Ok(ExitCode::from(1))
}
