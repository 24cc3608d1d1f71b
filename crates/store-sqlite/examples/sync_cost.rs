//! What `synchronous = FULL` costs the SQLite store on this machine: single-row write
//! transactions (the shape of an audited change) under FULL, as the store opens its database,
//! against NORMAL (the earlier setting) in the same run, on the same disk.
//! `cargo run --release -p safeharbor-store-sqlite --example sync_cost -- [WRITES] [ROUNDS]`

#![expect(clippy::expect_used, reason = "a benchmark stops on any failure")]

use std::time::Instant;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

async fn writes_per_second(dir: &std::path::Path, sync: SqliteSynchronous, n: u32) -> f64 {
    let path = dir.join(format!("{sync:?}.db"));
    let _ = std::fs::remove_file(&path);
    let opts = SqliteConnectOptions::new()
        .filename(&path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(sync);
    let pool = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(opts)
        .await
        .expect("open");
    sqlx::query(
        "CREATE TABLE ev (seq INTEGER PRIMARY KEY, at INTEGER NOT NULL, body TEXT NOT NULL)",
    )
    .execute(&pool)
    .await
    .expect("create");
    let body = "x".repeat(300);
    let t = Instant::now();
    for i in 0..n {
        let mut tx = pool.begin().await.expect("begin");
        sqlx::query("INSERT INTO ev (at, body) VALUES ($1, $2)")
            .bind(i64::from(i))
            .bind(&body)
            .execute(&mut *tx)
            .await
            .expect("insert");
        tx.commit().await.expect("commit");
    }
    let secs = t.elapsed().as_secs_f64();
    pool.close().await;
    f64::from(n) / secs
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let mut args = std::env::args().skip(1);
    let n: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(2000);
    let rounds: u32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(5);
    let dir = std::env::var_os("SYNC_COST_DIR").map_or_else(std::env::temp_dir, Into::into);
    let dir = tempfile_dir(&dir);
    println!(
        "{n} single-row write transactions per run, {rounds} rounds, in {}",
        dir.display()
    );
    let mut ratios = Vec::new();
    for r in 1..=rounds {
        let normal = writes_per_second(&dir, SqliteSynchronous::Normal, n).await;
        let full = writes_per_second(&dir, SqliteSynchronous::Full, n).await;
        let ratio = full / normal;
        ratios.push(ratio);
        println!(
            "round {r}: NORMAL {normal:>9.0} writes/s   FULL {full:>9.0} writes/s   FULL/NORMAL {ratio:.3}"
        );
    }
    ratios.sort_by(f64::total_cmp);
    println!("median FULL/NORMAL: {:.3}", ratios[ratios.len() / 2]);
    let _ = std::fs::remove_dir_all(&dir);
}

fn tempfile_dir(base: &std::path::Path) -> std::path::PathBuf {
    let d = base.join(format!("safeharbor-sync-cost-{}", std::process::id()));
    std::fs::create_dir_all(&d).expect("temp dir");
    d
}
