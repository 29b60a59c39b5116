//! The line's counters (`room_counters`) and its position buckets
//! (`room_buckets`), written together under the counters row's lock.

use super::*;

/// The line's counters (`room_counters`) and the bucket changes a
/// transaction makes, written together by [`Counters::write`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Counters {
    pub(super) last_number: i64,
    pub(super) in_lobby: i64,
    pub(super) queued: i64,
    pub(super) active: i64,
    /// Queued count changes by bucket, not yet written.
    pub(super) buckets: BTreeMap<i64, i64>,
}

/// The counters row's columns ([`COUNTER_COLUMNS`]), all `None` when read
/// through an outer join for a show without a room.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct CountersRow {
    pub(super) last_number: Option<i64>,
    pub(super) in_lobby: Option<i64>,
    pub(super) queued: Option<i64>,
    pub(super) active: Option<i64>,
}

impl CountersRow {
    /// The counters, or `None` when the show has no room.
    pub(super) fn read(self) -> Result<Option<Counters>> {
        const T: &str = "room_counters";
        let Some(last_number) = self.last_number else {
            return Ok(None);
        };
        let counters = Counters {
            last_number,
            in_lobby: required(self.in_lobby, T, "in_lobby")?,
            queued: required(self.queued, T, "queued")?,
            active: required(self.active, T, "active")?,
            buckets: BTreeMap::new(),
        };
        if counters.last_number < 0
            || counters.in_lobby < 0
            || counters.queued < 0
            || counters.active < 0
        {
            return Err(corrupt(T, format!("negative count in {counters:?}")));
        }
        Ok(Some(counters))
    }
}

impl Counters {
    /// Locks the room's counters (every change of a visitor's state does).
    ///
    /// The rest of the transaction runs without sequential scans
    /// ([`NO_SEQ_SCANS`]): a plan cached while `room_visitors` was nearly
    /// empty (a lobby filling, not yet analyzed) otherwise hash-joins a join
    /// batch's visitors to a scan of the whole table, every batch, so joins
    /// slowed as the line grew (`auto_explain`: 6.7 ms a batch at 100,000
    /// visitors).
    pub(super) async fn lock(conn: &mut PgConnection, show: ShowId) -> Result<Option<Self>> {
        let row: Option<CountersRow> = sqlx::query_as(&format!(
            "SELECT {NO_SEQ_SCANS}, {COUNTER_COLUMNS}
             FROM room_counters c WHERE c.show_id = $1 FOR NO KEY UPDATE"
        ))
        .bind(show.as_uuid())
        .fetch_optional(conn)
        .await?;
        Ok(row.map(CountersRow::read).transpose()?.flatten())
    }

    pub(super) fn shape(&self) -> (i64, i64, i64) {
        (self.in_lobby, self.queued, self.active)
    }

    /// `number` joins the queue.
    pub(super) fn enqueue(&mut self, number: i64) {
        self.queued += 1;
        *self.buckets.entry(number >> BUCKET_BITS).or_default() += 1;
    }

    /// `number` leaves the queue (admitted, dropped or left).
    pub(super) fn dequeue(&mut self, number: i64) {
        self.queued -= 1;
        *self.buckets.entry(number >> BUCKET_BITS).or_default() -= 1;
    }

    /// Numbers `first..=last` join the queue.
    pub(super) fn enqueue_range(&mut self, first: i64, last: i64) {
        let mut from = first;
        while from <= last {
            let bucket = from >> BUCKET_BITS;
            let to = ((bucket + 1) << BUCKET_BITS).min(last + 1);
            *self.buckets.entry(bucket).or_default() += to - from;
            self.queued += to - from;
            from = to;
        }
    }

    /// Binds [`LINE_WRITE`]'s parameters `$2` to `$7`.
    pub(super) fn bind<'q>(&mut self, query: PgQuery<'q>) -> PgQuery<'q> {
        let (buckets, deltas): (Vec<i64>, Vec<i64>) = std::mem::take(&mut self.buckets)
            .into_iter()
            .filter(|(_, delta)| *delta != 0)
            .unzip();
        query
            .bind(buckets)
            .bind(deltas)
            .bind(self.last_number)
            .bind(self.in_lobby)
            .bind(self.queued)
            .bind(self.active)
    }

    /// Writes the counters and the bucket changes (under the counters' lock).
    pub(super) async fn write(&mut self, conn: &mut PgConnection, show: ShowId) -> Result<()> {
        let query = sqlx::query(&COUNTERS_WRITE).bind(show.as_uuid());
        self.bind(query).execute(conn).await?;
        Ok(())
    }
}

pub(super) type PgQuery<'q> = sqlx::query::Query<'q, Postgres, sqlx::postgres::PgArguments>;

/// Writes the counters and adds the bucket changes, the show at `$1`, then
/// [`Counters::bind`]'s `$2` to `$7`. A bucket's first change is an insert
/// (a negative one then fails the CHECK: the counts would be corrupt).
pub(super) const LINE_WRITE: &str = "delta AS (
         SELECT * FROM unnest($2::int8[], $3::int8[]) AS d(bucket, delta)
     ),
     changed AS (
         UPDATE room_buckets b SET queued = b.queued + delta.delta
         FROM delta WHERE b.show_id = $1 AND b.bucket = delta.bucket
         RETURNING b.bucket
     ),
     added AS (
         INSERT INTO room_buckets (show_id, bucket, queued)
         SELECT $1, delta.bucket, delta.delta FROM delta
         WHERE delta.bucket NOT IN (SELECT bucket FROM changed)
     ),
     counted AS (
         UPDATE room_counters SET last_number = $4, in_lobby = $5, queued = $6, active = $7
         WHERE show_id = $1
     )";

pub(super) static COUNTERS_WRITE: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| format!("WITH {LINE_WRITE} SELECT 1"));

impl PgStore {
    pub(super) async fn read_counters(conn: &mut PgConnection, show: ShowId) -> Result<Counters> {
        let row: Option<CountersRow> = sqlx::query_as(&format!(
            "SELECT {COUNTER_COLUMNS} FROM room_counters c WHERE c.show_id = $1"
        ))
        .bind(show.as_uuid())
        .fetch_optional(conn)
        .await?;
        row.map(CountersRow::read)
            .transpose()?
            .flatten()
            .ok_or_else(|| corrupt("room_counters", "a room without counters"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn empty() -> Counters {
        Counters {
            last_number: 0,
            in_lobby: 0,
            queued: 0,
            active: 0,
            buckets: BTreeMap::new(),
        }
    }

    #[test]
    fn a_range_of_numbers_is_counted_in_its_buckets() {
        let mut counters = empty();
        counters.enqueue_range(1, 3000);
        assert_eq!(counters.queued, 3000);
        // Bucket 0 holds 1..=1023 (there is no number 0).
        assert_eq!(
            counters.buckets,
            BTreeMap::from([(0, 1023), (1, 1024), (2, 953)])
        );
        let mut one_by_one = empty();
        for number in 1..=3000 {
            one_by_one.enqueue(number);
        }
        assert_eq!(one_by_one, counters);
        counters.dequeue(1024);
        counters.dequeue(2047);
        assert_eq!(counters.buckets[&1], 1022);
        counters.enqueue_range(5, 4);
        assert_eq!(counters.queued, 2998, "an empty range adds nothing");
    }
}
