//! Operator tasks on the stored bytes: checking every blob against its address, and moving
//! every blob to a new key. Both run from the CLI on the server; no tenant scope applies.

use std::collections::BTreeMap;

use crate::App;
use crate::error::Result;
use crate::ports::{BlobCheck, BlobRef};

/// A stored file that is not as it was uploaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// What is wrong.
    pub check: BlobCheck,
    /// The blob.
    pub blob: BlobRef,
}

/// What `evidence verify` found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VerifyReport {
    /// Distinct blobs checked.
    pub blobs: usize,
    /// Bytes re-hashed.
    pub bytes: u64,
    /// Blobs that are missing or altered, with one version that holds each.
    pub problems: Vec<Problem>,
}

/// Re-reads every stored blob, authenticates it, re-hashes it and compares the hash and size
/// with what was recorded at upload.
pub async fn verify(app: &App, mut progress: impl FnMut(usize, usize)) -> Result<VerifyReport> {
    let mut by_sha: BTreeMap<String, BlobRef> = BTreeMap::new();
    for r in app.store.blob_refs().await? {
        by_sha.entry(r.sha256.clone()).or_insert(r);
    }
    let mut report = VerifyReport {
        blobs: by_sha.len(),
        ..VerifyReport::default()
    };
    let total = by_sha.len();
    for (i, (sha, blob)) in by_sha.into_iter().enumerate() {
        let check = match app.blobs.check(&sha).await? {
            BlobCheck::Intact { size } if size == blob.size => {
                report.bytes += size;
                None
            }
            BlobCheck::Intact { .. } => Some(BlobCheck::Altered),
            other => Some(other),
        };
        if let Some(check) = check {
            report.problems.push(Problem { check, blob });
        }
        progress(i + 1, total);
    }
    Ok(report)
}

/// Records each problem on the status of every organization whose evidence holds the blob (with
/// an audit event), so it shows there until the file is restored; findings of an earlier run
/// that this run no longer sees (a file restored since) are cleared. The operator runs this after
/// `verify`, which checked every stored file.
pub async fn record_problems(
    app: &App,
    operator: &crate::Caller,
    problems: &[Problem],
) -> Result<()> {
    app.store.clear_evidence_problems().await?;
    if problems.is_empty() {
        return Ok(());
    }
    let kinds: BTreeMap<&str, &str> = problems
        .iter()
        .map(|p| {
            let kind = match p.check {
                BlobCheck::Missing => "missing",
                BlobCheck::KeyMissing => "key_missing",
                BlobCheck::Altered | BlobCheck::Intact { .. } => "altered",
            };
            (p.blob.sha256.as_str(), kind)
        })
        .collect();
    for r in app.store.blob_refs().await? {
        let Some(kind) = kinds.get(r.sha256.as_str()) else {
            continue;
        };
        let scope =
            crate::authz::scope(app, operator, &r.org_slug, crate::authz::Need::Write).await?;
        let event = operator.event(
            app.now(),
            Some(scope.org_id()),
            "evidence.file_missing",
            "evidence",
            Some(r.evidence_id.to_string()),
            format!(
                "evidence verify: stored file of version {} is {kind}",
                r.version
            ),
        );
        app.store
            .record_evidence_problem(&scope, r.evidence_id, r.version, kind, &event)
            .await?;
    }
    Ok(())
}

/// What `evidence rotate-key` did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotateReport {
    /// The new current key's id.
    pub key: String,
    /// Blobs re-encrypted under it.
    pub rewrapped: usize,
    /// Blobs already under it.
    pub unchanged: usize,
    /// Blobs that could not be re-encrypted (missing, altered, or their key is missing), with
    /// what was wrong; they stay as they are.
    pub failed: Vec<(BlobRef, String)>,
}

/// Re-encrypts every blob under the store's current key (call after adding a key). A blob that
/// cannot be read is reported and skipped, never a reason to stop. A second pass catches blobs
/// uploaded while the first ran.
pub async fn rewrap_all(app: &App, mut progress: impl FnMut(usize, usize)) -> Result<RotateReport> {
    let mut report = RotateReport {
        key: app.blobs.current_key(),
        ..RotateReport::default()
    };
    let mut done: std::collections::BTreeSet<String> = std::collections::BTreeSet::new();
    for _pass in 0..2 {
        let mut todo: BTreeMap<String, BlobRef> = BTreeMap::new();
        for r in app.store.blob_refs().await? {
            if !done.contains(&r.sha256) {
                todo.entry(r.sha256.clone()).or_insert(r);
            }
        }
        let total = todo.len();
        for (i, (sha, blob)) in todo.into_iter().enumerate() {
            match app.blobs.rewrap(&sha).await {
                Ok(true) => report.rewrapped += 1,
                Ok(false) => report.unchanged += 1,
                Err(crate::Error::NotFound) => report.failed.push((blob, "missing".into())),
                Err(e) => report.failed.push((blob, e.to_string())),
            }
            done.insert(sha);
            progress(i + 1, total);
        }
    }
    Ok(report)
}
