//! The one FEC writer (Fichier des Écritures Comptables, article A47 A-1 du LPF): the
//! header, then the ledger's entries of a period in the order of the log, numbered from 1
//! for the file, read by chunks. The download streams it chunk by chunk, so a year of a
//! large workshop never sits in memory (`thermogestion bench-fec` measures it); the monthly
//! archive (`fec_archive`) writes the same bytes to object storage.

use chrono::NaiveDate;
use domain::invoice::fec::{format_entry, HEADER};
use futures_util::Stream;
use projections::tenant;
use sqlx::{PgExecutor, PgPool};
use uuid::Uuid;

/// Entries read per query.
pub const CHUNK: i64 = 2_000;

/// The FEC of one workshop and period, being written.
pub struct FecWriter {
    workspace_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
    /// Entries written: the next one is numbered one more.
    written: u64,
    /// The ledger sequence of the last entry written: the next chunk starts after it.
    after: i64,
    /// FEC lines written, the header left out.
    lines: i64,
    started: bool,
    complete: bool,
}

impl FecWriter {
    /// The file of `workspace_id`'s entries dated `from`..=`to`.
    pub fn new(workspace_id: Uuid, from: NaiveDate, to: NaiveDate) -> Self {
        Self {
            workspace_id,
            from,
            to,
            written: 0,
            after: 0,
            lines: 0,
            started: false,
            complete: false,
        }
    }

    /// Whether the last chunk was written.
    pub fn is_complete(&self) -> bool {
        self.complete
    }

    /// FEC lines written so far, the header left out.
    pub fn lines(&self) -> i64 {
        self.lines
    }

    /// The next chunk of the file, its entries read through `executor` (the header comes
    /// with the first); `None` once the file is complete.
    pub async fn next_chunk(
        &mut self,
        executor: impl PgExecutor<'_>,
    ) -> Result<Option<String>, sqlx::Error> {
        if self.complete {
            return Ok(None);
        }
        let rows = projections::invoicing::ledger(
            executor,
            self.workspace_id,
            self.from,
            self.to,
            self.after,
            CHUNK,
        )
        .await?;
        let mut out = String::new();
        if !self.started {
            self.started = true;
            out.push_str(HEADER);
            out.push_str("\r\n");
        }
        for (seq, entry) in &rows {
            self.written += 1;
            self.after = *seq;
            self.lines += entry.lines.len() as i64;
            format_entry(entry, self.written, entry.date, &mut out);
        }
        // A short chunk is the last: a full one may have more behind it.
        self.complete = (rows.len() as i64) < CHUNK;
        Ok(Some(out))
    }
}

/// The FEC text of `workspace_id`'s entries dated `from`..=`to` as a stream for a download,
/// each chunk read in a short tenant transaction of its own (a long one would hold the
/// feed's low watermark, EVENT-STORE.md). A failure ends the stream with an error.
pub fn stream(
    pool: PgPool,
    workspace_id: Uuid,
    from: NaiveDate,
    to: NaiveDate,
) -> impl Stream<Item = Result<String, std::io::Error>> {
    let writer = FecWriter::new(workspace_id, from, to);
    futures_util::stream::unfold(Some(writer), move |writer| {
        let pool = pool.clone();
        async move {
            let mut writer = writer.filter(|writer| !writer.is_complete())?;
            let chunk = async {
                let mut tx = tenant::begin(&pool, workspace_id).await?;
                let chunk = writer.next_chunk(&mut *tx).await?;
                tx.commit().await?;
                Ok::<_, sqlx::Error>(chunk)
            }
            .await;
            match chunk {
                Ok(Some(text)) => Some((Ok(text), Some(writer))),
                Ok(None) => None,
                Err(error) => {
                    tracing::error!(%error, "FEC export failed mid-stream");
                    Some((Err(std::io::Error::other(error)), None))
                }
            }
        }
    })
}
