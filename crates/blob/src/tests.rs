use super::*;

fn store() -> (tempfile::TempDir, LocalBlobStore) {
    let dir = tempfile::tempdir().unwrap();
    let s = LocalBlobStore::open(dir.path()).unwrap();
    (dir, s)
}

fn bytes(n: usize) -> Vec<u8> {
    (0..n)
        .map(|i| u8::try_from((i * 7 + i / 251) % 256).unwrap())
        .collect()
}

async fn put(s: &LocalBlobStore, data: &[u8], piece: usize) -> StoredBlob {
    let mut w = s.create().await.unwrap();
    for part in data.chunks(piece.max(1)) {
        w.write(part).await.unwrap();
    }
    w.finish().await.unwrap()
}

async fn get(s: &LocalBlobStore, sha: &str) -> Vec<u8> {
    let mut r = s.open(sha).await.unwrap();
    let mut out = Vec::new();
    while let Some(c) = r.next_chunk().await.unwrap() {
        assert!(
            c.len() <= CHUNK,
            "a reader hands out at most one chunk at a time"
        );
        out.extend_from_slice(&c);
    }
    out
}

#[tokio::test]
async fn blobs_of_every_size_come_back_exactly_under_their_sha256() {
    let (_d, s) = store();
    for n in [1, 1000, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK + 5] {
        let data = bytes(n);
        let stored = put(&s, &data, 64 * 1024 + 3).await;
        assert_eq!(stored.size, n as u64);
        assert_eq!(stored.sha256, hex::encode(Sha256::digest(&data)));
        assert_eq!(get(&s, &stored.sha256).await, data, "size {n}");
        assert_eq!(
            s.check(&stored.sha256).await.unwrap(),
            BlobCheck::Intact { size: n as u64 }
        );
    }
    assert_eq!(s.temp_files(), 0);
}

#[tokio::test]
async fn bytes_on_disk_are_encrypted() {
    let (_d, s) = store();
    let data = b"Patient: Jane Example, DOB 1970-01-01. ".repeat(100);
    let stored = put(&s, &data, 4096).await;
    let disk = fs::read(s.blob_path(&stored.sha256).unwrap()).unwrap();
    assert!(!disk.windows(13).any(|w| w == b"Jane Example,"));
    assert_eq!(&disk[..4], b"SHB1");
}

#[tokio::test]
async fn the_same_bytes_are_stored_once() {
    let (_d, s) = store();
    let a = put(&s, b"same bytes", 3).await;
    let b = put(&s, b"same bytes", 5).await;
    assert_eq!(a, b);
    assert_eq!(s.temp_files(), 0);
}

#[tokio::test]
async fn an_abandoned_write_leaves_nothing_behind() {
    let (_d, s) = store();
    let mut w = s.create().await.unwrap();
    w.write(&bytes(CHUNK * 2 + 10)).await.unwrap();
    assert_eq!(s.temp_files(), 1);
    drop(w);
    assert_eq!(s.temp_files(), 0);
}

#[tokio::test]
async fn a_changed_byte_a_truncation_or_a_missing_file_is_caught() {
    let (_d, s) = store();
    let data = bytes(2 * CHUNK + 100);
    let stored = put(&s, &data, CHUNK).await;
    let path = s.blob_path(&stored.sha256).unwrap();
    let original = fs::read(&path).unwrap();

    let mut flipped = original.clone();
    flipped[HEADER_LEN_FOR_TESTS + 10] ^= 1;
    fs::write(&path, &flipped).unwrap();
    assert_eq!(s.check(&stored.sha256).await.unwrap(), BlobCheck::Altered);
    let mut r = s.open(&stored.sha256).await.unwrap();
    assert!(
        r.next_chunk().await.is_err(),
        "a reader never hands out unauthenticated bytes"
    );

    // Dropping the last chunk must not pass as a shorter, valid blob.
    let sealed = CHUNK + format::TAG_LEN;
    fs::write(&path, &original[..format::HEADER_LEN + 2 * sealed]).unwrap();
    assert_eq!(s.check(&stored.sha256).await.unwrap(), BlobCheck::Altered);

    fs::remove_file(&path).unwrap();
    assert_eq!(s.check(&stored.sha256).await.unwrap(), BlobCheck::Missing);
    assert!(matches!(s.open(&stored.sha256).await, Err(Error::NotFound)));
}

const HEADER_LEN_FOR_TESTS: usize = format::HEADER_LEN;

#[tokio::test]
async fn rotation_rewraps_blobs_under_the_new_key_and_keeps_their_bytes() {
    let (d, s) = store();
    let data = bytes(CHUNK + 7);
    let stored = put(&s, &data, 1 << 16).await;
    let old = s.current_key();
    let new = s.rotate_key().unwrap();
    assert_ne!(old, new);
    assert_eq!(
        get(&s, &stored.sha256).await,
        data,
        "old blobs stay readable"
    );
    assert!(s.rewrap(&stored.sha256).await.unwrap());
    assert!(
        !s.rewrap(&stored.sha256).await.unwrap(),
        "a second pass has nothing to do"
    );
    let disk = fs::read(s.blob_path(&stored.sha256).unwrap()).unwrap();
    assert_eq!(hex::encode(&disk[4..12]), new);
    // Reopened from disk, with the old key file removed, the blob still reads.
    fs::remove_file(d.path().join("keys").join(format!("{old}.key"))).unwrap();
    let again = LocalBlobStore::open(d.path()).unwrap();
    assert_eq!(get(&again, &stored.sha256).await, data);
}

#[tokio::test]
async fn blobs_without_their_keys_refuse_to_open_rather_than_get_a_new_key() {
    let (d, s) = store();
    put(&s, b"evidence", 8).await;
    fs::remove_dir_all(d.path().join("keys")).unwrap();
    let e = LocalBlobStore::open(d.path()).unwrap_err();
    assert!(e.to_string().contains("restore the keys"), "{e}");
}

#[tokio::test]
async fn a_malformed_address_is_refused_before_touching_the_disk() {
    let (_d, s) = store();
    assert!(matches!(
        s.open("../../etc/passwd").await,
        Err(Error::Invalid(_))
    ));
}

#[tokio::test]
async fn a_server_picks_up_a_key_rotated_by_another_process() {
    let (d, a) = store();
    let data = bytes(CHUNK + 3);
    let stored = put(&a, &data, 1 << 16).await;
    // Another process (the CLI) rotates and rewraps, with its own store on the same directory.
    let b = LocalBlobStore::open(d.path()).unwrap();
    let new = b.rotate_key().unwrap();
    assert!(b.rewrap(&stored.sha256).await.unwrap());
    // The first store reads the rewrapped blob and writes new ones under the new key.
    assert_eq!(get(&a, &stored.sha256).await, data);
    assert_eq!(a.current_key(), new);
    let fresh = put(&a, b"written after the rotation", 7).await;
    let disk = fs::read(a.blob_path(&fresh.sha256).unwrap()).unwrap();
    assert_eq!(hex::encode(&disk[4..12]), new);
}

#[tokio::test]
async fn a_valid_blob_swapped_in_under_another_address_is_refused() {
    let (_d, s) = store();
    let x = put(&s, b"the real restore test report", 5).await;
    let y = put(&s, b"something else entirely", 5).await;
    fs::copy(
        s.blob_path(&y.sha256).unwrap(),
        s.blob_path(&x.sha256).unwrap(),
    )
    .unwrap();
    let mut r = s.open(&x.sha256).await.unwrap();
    assert!(
        r.next_chunk().await.is_err(),
        "the bytes do not hash to the address asked for"
    );
    assert_eq!(s.check(&x.sha256).await.unwrap(), BlobCheck::Altered);
}

#[tokio::test]
async fn a_blob_whose_key_is_gone_is_reported_as_such() {
    let (d, s) = store();
    let x = put(&s, b"sealed under the first key", 5).await;
    let old = s.current_key();
    s.rotate_key().unwrap();
    fs::remove_file(d.path().join("keys").join(format!("{old}.key"))).unwrap();
    let again = LocalBlobStore::open(d.path()).unwrap();
    assert_eq!(again.check(&x.sha256).await.unwrap(), BlobCheck::KeyMissing);
    let e = again.open(&x.sha256).await.err().unwrap();
    assert!(e.to_string().contains("key backup"), "{e}");
}

#[tokio::test]
async fn uploading_the_same_bytes_again_repairs_a_damaged_copy() {
    let (_d, s) = store();
    let x = put(&s, b"contingency plan, signed", 4).await;
    let path = s.blob_path(&x.sha256).unwrap();
    let mut disk = fs::read(&path).unwrap();
    let at = disk.len() - 3;
    disk[at] ^= 1;
    fs::write(&path, &disk).unwrap();
    assert_eq!(s.check(&x.sha256).await.unwrap(), BlobCheck::Altered);
    put(&s, b"contingency plan, signed", 4).await;
    assert!(matches!(
        s.check(&x.sha256).await.unwrap(),
        BlobCheck::Intact { .. }
    ));
}

#[tokio::test]
async fn a_database_that_records_evidence_never_gets_a_new_key_even_with_no_blobs() {
    // A restore into an empty directory: no blobs, no keys, but the database names files.
    let d = tempfile::tempdir().unwrap();
    let e = LocalBlobStore::open_with(d.path(), KeyPolicy::MustExist).unwrap_err();
    assert!(e.to_string().contains("restore the keys"), "{e}");
    assert!(!d.path().join("keys").exists(), "no key was made");
    // A new installation gets its key.
    LocalBlobStore::open_with(d.path(), KeyPolicy::CreateIfNew).unwrap();
    assert!(d.path().join("keys").exists());
}

#[tokio::test]
async fn orphans_are_the_stored_blobs_no_record_names_and_can_be_removed() {
    let (_d, s) = store();
    let kept = put(&s, b"named by a record", 4).await;
    let lost = put(&s, b"left by a crash", 4).await;
    let known: std::collections::HashSet<String> = [kept.sha256.clone()].into();
    assert_eq!(s.orphans(&known).unwrap(), vec![lost.sha256.clone()]);
    s.remove_orphan(&lost.sha256).unwrap();
    assert!(s.orphans(&known).unwrap().is_empty());
    assert_eq!(get(&s, &kept.sha256).await, b"named by a record");
    assert!(
        s.remove_orphan("../../etc/passwd").is_err(),
        "only blob addresses"
    );
}
