//! The FEC as a stream: the header, then the ledger's entries of the period in the order of
//! the log, read by chunks in short tenant transactions, numbered from 1 for the file. A
//! year of a large workshop never sits in memory (`thermogestion bench-fec` measures it).

use axum::body::Bytes;
use chrono::NaiveDate;
use domain::invoice::fec::{format_entry, HEADER};
use futures_util::Stream;
use projections::tenant;
use sqlx::PgPool;
use uuid::Uuid;

/// Entries read per query.
pub const CHUNK: i64 = 2_000;

/// The FEC text of `workspace_id`'s entries dated `from`..=`to`, chunk by chunk.
pub fn stream(
    pool: PgPool,
    workspace_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Stream<Item = Result<Bytes, std::io::Error>> {
    // (entries written so far, last entry read, done)
    let start = (0_u64, 0_i64, false);
    futures_util::stream::unfold(start, move |(written, after, done)| {
        let pool = pool.clone();
        async move {
            if done {
                return None;
            }
            let chunk = async {
                let mut tx = tenant::begin(&pool, workspace_id).await?;
                let rows =
                    projections::invoicing::ledger(&mut *tx, workspace_id, from, to, after, CHUNK)
                        .await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(rows)
            }
            .await;
            let rows = match chunk {
                Ok(rows) => rows,
                Err(error) => {
                    tracing::error!(%error, "FEC export failed mid-stream");
                    return Some((Err(std::io::Error::other(error)), (written, after, true)));
                }
            };
            let mut out = String::new();
            if after == 0 {
                out.push_str(HEADER);
                out.push_str("\r\n");
            }
            let mut number = written;
            let mut last = after;
            for (seq, entry) in &rows {
                number += 1;
                last = *seq;
                format_entry(entry, number, entry.date, &mut out);
            }
            let finished = (rows.len() as i64) < CHUNK;
            Some((Ok(Bytes::from(out)), (number, last, finished)))
        }
    })
}
