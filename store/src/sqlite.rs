//! The embedded store: the DynamoDB item model in one SQLite file.
//!
//! Why SQLite mirrors the single table instead of using normalised tables:
//! one key design means one engine, one conformance suite and one set of
//! change images for the notifier. The `items` table has the table keys and
//! the three GSIs as columns with an index each; `changes` is the local
//! DynamoDB Stream, written in the same transaction as the change it
//! records, so a change can neither be lost nor reported without happening.
//!
//! Concurrency: one writer connection behind a mutex (SQLite serialises
//! writers anyway, and `BEGIN IMMEDIATE` makes that explicit) and a few
//! reader connections, which WAL lets run alongside the writer. All calls
//! run on tokio's blocking pool so the async runtime never waits on disk.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use async_trait::async_trait;
use rusqlite::{params, Connection, OpenFlags, OptionalExtension, Row, TransactionBehavior};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use time::OffsetDateTime;

use crate::cursor::Key;
use crate::engine::{self, key_of, Backend, Cond, Op, Query, SkCond, WriteError};
use crate::keys::{Index, Item};
use crate::{ChangeFeed, Result, StoreError};

/// How hard each commit waits for the disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// fsync on every commit: an acknowledged write survives power loss.
    #[default]
    Full,
    /// WAL with `synchronous=NORMAL`: survives a process crash (SIGKILL),
    /// may lose the last commits on power loss. For benchmarks and seeding.
    Normal,
}

/// What happened to an item, as in DynamoDB Streams' `eventName`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ChangeEvent {
    #[serde(rename = "INSERT")]
    Insert,
    #[serde(rename = "MODIFY")]
    Modify,
    #[serde(rename = "REMOVE")]
    Remove,
}

impl ChangeEvent {
    fn as_str(self) -> &'static str {
        match self {
            ChangeEvent::Insert => "INSERT",
            ChangeEvent::Modify => "MODIFY",
            ChangeEvent::Remove => "REMOVE",
        }
    }
}

/// One stream record with both images, like a DynamoDB Streams record.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub seq: i64,
    pub pk: String,
    pub sk: String,
    pub event: ChangeEvent,
    pub old_image: Option<Item>,
    pub new_image: Option<Item>,
    pub created_at: OffsetDateTime,
}

use Migration::{Rust, Sql};

/// One schema step. Most are SQL; a step whose keys need Rust (search
/// entries split titles into words as `domain::search` does, which SQL
/// cannot) is a function over the same transaction.
enum Migration {
    Sql(&'static str),
    Rust(fn(&rusqlite::Transaction<'_>) -> Result<()>),
}

const MIGRATIONS: &[Migration] = &[
    Sql(r#"
CREATE TABLE items (
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    gsi1pk TEXT, gsi1sk TEXT,
    gsi2pk TEXT, gsi2sk TEXT,
    gsi3pk TEXT, gsi3sk TEXT,
    data TEXT NOT NULL,
    version INTEGER NOT NULL,
    expires_at INTEGER,
    PRIMARY KEY (pk, sk)
) WITHOUT ROWID;
CREATE INDEX items_gsi1 ON items (gsi1pk, gsi1sk, pk, sk) WHERE gsi1pk IS NOT NULL;
CREATE INDEX items_gsi2 ON items (gsi2pk, gsi2sk, pk, sk) WHERE gsi2pk IS NOT NULL;
CREATE INDEX items_gsi3 ON items (gsi3pk, gsi3sk, pk, sk) WHERE gsi3pk IS NOT NULL;
CREATE TABLE changes (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    pk TEXT NOT NULL,
    sk TEXT NOT NULL,
    event_name TEXT NOT NULL CHECK (event_name IN ('INSERT', 'MODIFY', 'REMOVE')),
    old_image TEXT,
    new_image TEXT,
    created_at TEXT NOT NULL,
    processed_at TEXT
);
CREATE INDEX changes_pending ON changes (seq) WHERE processed_at IS NULL;
"#),
    // The home page's index partitions (keys.rs) for items written before
    // they existed: open tasks nobody is assigned to, and each person's open,
    // dated assignments. Assignment times were not recorded then, so those
    // copies stay out of "newly assigned". Index keys are not entity changes,
    // so nothing goes to the change feed.
    Sql(r#"
UPDATE items SET gsi2pk = 'UNASSIGNED', gsi2sk = gsi1sk
 WHERE sk = 'METADATA' AND pk LIKE 'TASK#%'
   AND json_extract(data, '$.status') <> 'DONE'
   AND coalesce(json_array_length(data, '$.assignees'), 0) = 0;
UPDATE items SET gsi3pk = 'OPEN#' || gsi2pk,
                 gsi3sk = 'DUE#' || json_extract(data, '$.due') || '#' || pk
 WHERE sk LIKE 'ASSIGN#USER#%' AND gsi2pk IS NOT NULL
   AND json_extract(data, '$.status') <> 'DONE'
   AND json_extract(data, '$.due') IS NOT NULL;
"#),
    // The task counters (keys.rs) for tasks written before they were kept,
    // counted once; every task write adjusts them from here on. Same keys
    // as `keys::task_counters`, checked by a test that upgrades a database.
    Sql(r#"
DELETE FROM items WHERE pk = 'COUNTER';
INSERT INTO items (pk, sk, gsi1pk, gsi1sk, data, version)
SELECT 'COUNTER', sk, 'USERS', 'COUNTER#' || sk, json_object('count', n), 1 FROM (
    SELECT 'TASKS#STATUS#' || json_extract(data, '$.status') AS sk, count(*) AS n
      FROM items WHERE sk = 'METADATA' AND pk LIKE 'TASK#%'
     GROUP BY 1
    UNION ALL
    SELECT 'TASKS#OPEN#UNASSIGNED', count(*)
      FROM items WHERE sk = 'METADATA' AND pk LIKE 'TASK#%'
       AND json_extract(data, '$.status') <> 'DONE'
       AND coalesce(json_array_length(data, '$.assignees'), 0) = 0
    UNION ALL
    SELECT 'TASKS#OPEN#USER#' || a.value, count(*)
      FROM items, json_each(items.data, '$.assignees') AS a
     WHERE items.sk = 'METADATA' AND items.pk LIKE 'TASK#%'
       AND json_extract(items.data, '$.status') <> 'DONE'
     GROUP BY 1
) WHERE n > 0;
"#),
    // Projects (keys.rs): every task stored before them belongs to the
    // default project (`domain::ProjectId::DEFAULT`, whose text is below),
    // so each gets that project's copy and is counted in its counters.
    // Same keys as `keys::project_copy_item` and `keys::task_counters`,
    // checked by a test that upgrades a database.
    Sql(r#"
INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, data, version)
SELECT pk, 'TAGGED#PROJECT',
       'PROJECT#00000000-0000-7000-8000-000000000001#' || gsi1pk, gsi1sk, data, version
  FROM items WHERE sk = 'METADATA' AND pk LIKE 'TASK#%';
INSERT OR REPLACE INTO items (pk, sk, gsi1pk, gsi1sk, data, version)
SELECT 'COUNTER', sk, 'USERS', 'COUNTER#' || sk, json_object('count', n), 1 FROM (
    SELECT 'TASKS#PROJECT#00000000-0000-7000-8000-000000000001#STATUS#'
           || json_extract(data, '$.status') AS sk, count(*) AS n
      FROM items WHERE sk = 'METADATA' AND pk LIKE 'TASK#%'
     GROUP BY 1
);
"#),
    // Search entries (keys::word_items) for every task stored before
    // search existed. Index keys are not entity changes: no change feed.
    Rust(backfill_search_entries),
    // Open tasks per project and due day (`keys::project_due_counter`),
    // and titles re-indexed to `domain::search::MAX_INDEXED_WORDS` (one
    // fewer, to make room for those counters in the largest write): both
    // rebuilt from the tasks, so they equal what fresh writes keep.
    Rust(rebuild_counters_and_search_entries),
];

const READERS: usize = 4;
/// The most rows a read may return and still run on the task that asked
/// (`read_small`): the catalog (every label and project), a column, a
/// batch of gets; not a 500-row page.
const SMALL_READ_ROWS: u32 = engine::CATALOG_ROWS;
const COLS: &str =
    "pk, sk, gsi1pk, gsi1sk, gsi2pk, gsi2sk, gsi3pk, gsi3sk, data, version, expires_at";

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    remove_on_drop: bool,
}

impl Drop for Inner {
    fn drop(&mut self) {
        if self.remove_on_drop {
            for suffix in ["", "-wal", "-shm"] {
                let mut p = self.path.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
        }
    }
}

/// The embedded store. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore")
            .field("path", &self.inner.path)
            .finish()
    }
}

fn sql_err(e: rusqlite::Error) -> StoreError {
    StoreError::internal(e)
}

fn configure(conn: &Connection, durability: Durability) -> rusqlite::Result<()> {
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    conn.pragma_update(None, "foreign_keys", "ON")?;
    let sync = match durability {
        Durability::Full => "FULL",
        Durability::Normal => "NORMAL",
    };
    conn.pragma_update(None, "synchronous", sync)?;
    // The queries' text varies with index, key condition, direction and
    // cursor (run_query); rusqlite's default of 16 cached statements had
    // pages parse SQL again on most requests.
    conn.set_prepared_statement_cache_capacity(64);
    Ok(())
}

fn migrate(conn: &mut Connection) -> Result<()> {
    let current: i64 = conn
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .map_err(sql_err)?;
    let current = usize::try_from(current).unwrap_or(0);
    if current > MIGRATIONS.len() {
        return Err(StoreError::Internal(format!(
            "database schema version {current} is newer than this build ({})",
            MIGRATIONS.len()
        )));
    }
    for (i, step) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction().map_err(sql_err)?;
        match step {
            Sql(sql) => tx.execute_batch(sql).map_err(sql_err)?,
            Rust(run) => run(&tx)?,
        }
        tx.pragma_update(None, "user_version", i as i64 + 1)
            .map_err(sql_err)?;
        tx.commit().map_err(sql_err)?;
    }
    Ok(())
}

impl SqliteStore {
    /// The default location of the embedded database.
    pub const DEFAULT_PATH: &'static str = "./data/tasklane.db";

    /// Opens (creating if needed) the database at `path` with full
    /// durability, running pending migrations.
    pub async fn open(path: impl AsRef<Path>) -> Result<SqliteStore> {
        Self::open_with(path, Durability::Full).await
    }

    pub async fn open_with(path: impl AsRef<Path>, durability: Durability) -> Result<SqliteStore> {
        let path = path.as_ref().to_path_buf();
        tokio::task::spawn_blocking(move || Self::open_blocking(path, durability, false))
            .await
            .map_err(StoreError::internal)?
    }

    /// A fresh database in the system temp directory, deleted on drop.
    pub async fn open_temp() -> Result<SqliteStore> {
        let path = std::env::temp_dir().join(format!("tasklane-{}.db", uuid::Uuid::now_v7()));
        tokio::task::spawn_blocking(move || Self::open_blocking(path, Durability::Normal, true))
            .await
            .map_err(StoreError::internal)?
    }

    fn open_blocking(path: PathBuf, durability: Durability, temp: bool) -> Result<SqliteStore> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(StoreError::internal)?;
        }
        let mut writer = Connection::open(&path).map_err(sql_err)?;
        let mode: String = writer
            .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            .map_err(sql_err)?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::Internal(format!(
                "could not enable WAL (journal_mode={mode})"
            )));
        }
        configure(&writer, durability).map_err(sql_err)?;
        migrate(&mut writer)?;
        let mut readers = Vec::with_capacity(READERS);
        for _ in 0..READERS {
            let c = Connection::open_with_flags(
                &path,
                OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
            )
            .map_err(sql_err)?;
            configure(&c, durability).map_err(sql_err)?;
            readers.push(Mutex::new(c));
        }
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                readers,
                next_reader: AtomicUsize::new(0),
                remove_on_drop: temp,
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// Runs `PRAGMA integrity_check`; `Ok("ok")` for a healthy file.
    pub async fn integrity_check(&self) -> Result<String> {
        self.read(|c| {
            c.query_row("PRAGMA integrity_check", [], |r| r.get::<_, String>(0))
                .map_err(sql_err)
        })
        .await
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let i = inner.next_reader.fetch_add(1, Ordering::Relaxed) % inner.readers.len();
            let conn = inner.readers[i]
                .lock()
                .map_err(|_| StoreError::Internal("reader lock poisoned".into()))?;
            f(&conn)
        })
        .await
        .map_err(StoreError::internal)?
    }

    /// A read of at most `SMALL_READ_ROWS` rows, on the calling task when
    /// a reader connection is free, else as `read`.
    ///
    /// Why not always a blocking thread: such a read is an index seek and
    /// at most a few hundred rows from SQLite's page cache, tens of
    /// microseconds for a column of tasks, about what handing it to a
    /// thread and waking the task again costs. A board page makes seven
    /// reads, and those round trips were a quarter of its CPU (in the
    /// kernel, switching threads) in the scale benchmark. Reads of
    /// unbounded size (exports, migrations, the change feed) still go to
    /// the blocking pool, where a slow one cannot hold up other requests.
    async fn read_small<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T> + Send + 'static,
    {
        if let Some(conn) = self.free_reader() {
            return f(&conn);
        }
        self.read(f).await
    }

    /// A reader connection no one holds, without waiting for one.
    fn free_reader(&self) -> Option<MutexGuard<'_, Connection>> {
        let readers = &self.inner.readers;
        let start = self.inner.next_reader.fetch_add(1, Ordering::Relaxed);
        (0..readers.len()).find_map(|k| readers[(start + k) % readers.len()].try_lock().ok())
    }

    async fn write_with<T, F>(&self, f: F) -> Result<T, WriteError>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T, WriteError> + Send + 'static,
    {
        let inner = self.inner.clone();
        tokio::task::spawn_blocking(move || {
            let mut conn = inner
                .writer
                .lock()
                .map_err(|_| StoreError::Internal("writer lock poisoned".into()))?;
            f(&mut conn)
        })
        .await
        .map_err(|e| WriteError::Store(StoreError::internal(e)))?
    }
}

/// One row as an item; stored JSON that does not parse is a corrupt item,
/// named in the error.
fn row_item(r: &Row<'_>) -> rusqlite::Result<Item> {
    let (pk, sk): (String, String) = (r.get(0)?, r.get(1)?);
    let data = RawValue::from_string(r.get(8)?).map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(
            8,
            rusqlite::types::Type::Text,
            format!("corrupt item {pk}/{sk}: {e}").into(),
        )
    })?;
    Ok(Item {
        gsi1pk: r.get(2)?,
        gsi1sk: r.get(3)?,
        gsi2pk: r.get(4)?,
        gsi2sk: r.get(5)?,
        gsi3pk: r.get(6)?,
        gsi3sk: r.get(7)?,
        data,
        version: r.get::<_, i64>(9)? as u64,
        expires_at: r.get(10)?,
        pk,
        sk,
    })
}

fn get_item(c: &Connection, pk: &str, sk: &str) -> Result<Option<Item>> {
    let sql = format!("SELECT {COLS} FROM items WHERE pk = ?1 AND sk = ?2");
    let mut stmt = c.prepare_cached(&sql).map_err(sql_err)?;
    stmt.query_row(params![pk, sk], row_item)
        .optional()
        .map_err(sql_err)
}

fn get_items(c: &Connection, keys: &[(String, String)]) -> Result<Vec<Item>> {
    let pairs = vec!["(?, ?)"; keys.len()].join(", ");
    let sql = format!("SELECT {COLS} FROM items WHERE (pk, sk) IN (VALUES {pairs})");
    let mut stmt = c.prepare_cached(&sql).map_err(sql_err)?;
    let args = keys.iter().flat_map(|(p, s)| [p, s]);
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args), row_item)
        .map_err(sql_err)?;
    rows.map(|r| r.map_err(sql_err)).collect()
}

/// The smallest string greater than every string starting with `prefix`
/// (prefixes here are ASCII and end in `#`).
fn prefix_end(prefix: &str) -> String {
    let mut bytes = prefix.as_bytes().to_vec();
    if let Some(last) = bytes.last_mut() {
        *last += 1;
    }
    String::from_utf8(bytes).unwrap_or_else(|_| format!("{prefix}\u{10FFFF}"))
}

fn run_query(c: &Connection, q: &Query) -> Result<(Vec<Item>, Option<Key>)> {
    let (ipk, isk) = match q.index {
        Index::Table => ("pk", "sk"),
        Index::Gsi1 => ("gsi1pk", "gsi1sk"),
        Index::Gsi2 => ("gsi2pk", "gsi2sk"),
        Index::Gsi3 => ("gsi3pk", "gsi3sk"),
    };
    let mut sql = format!("SELECT {COLS} FROM items WHERE {ipk} = ?");
    let mut args: Vec<String> = vec![q.pk.clone()];
    match &q.sk {
        SkCond::Any => {}
        SkCond::BeginsWith(p) => {
            sql.push_str(&format!(" AND {isk} >= ? AND {isk} < ?"));
            args.push(p.clone());
            args.push(prefix_end(p));
        }
        SkCond::Lt(v) => {
            sql.push_str(&format!(" AND {isk} < ?"));
            args.push(v.clone());
        }
        SkCond::Between(a, b) => {
            sql.push_str(&format!(" AND {isk} BETWEEN ? AND ?"));
            args.push(a.clone());
            args.push(b.clone());
        }
    }
    let (cmp, dir) = if q.forward {
        (">", "ASC")
    } else {
        ("<", "DESC")
    };
    // Index order is (index keys, table keys), which makes every position
    // unique even where index sort keys tie, as DynamoDB's own order does.
    let order_cols = if q.index == Index::Table {
        "sk".to_owned()
    } else {
        format!("{isk}, pk, sk")
    };
    if let Some(k) = &q.start {
        if q.index == Index::Table {
            sql.push_str(&format!(" AND sk {cmp} ?"));
            args.push(k.sk.clone());
        } else {
            sql.push_str(&format!(" AND ({order_cols}) {cmp} (?, ?, ?)"));
            args.push(k.isk.clone().unwrap_or_default());
            args.push(k.pk.clone());
            args.push(k.sk.clone());
        }
    }
    let order = order_cols
        .split(", ")
        .map(|c| format!("{c} {dir}"))
        .collect::<Vec<_>>()
        .join(", ");
    // One extra row tells whether another page exists, so `next` is None
    // exactly at the end.
    sql.push_str(&format!(" ORDER BY {order} LIMIT {}", q.limit as u64 + 1));
    let mut stmt = c.prepare_cached(&sql).map_err(sql_err)?;
    let rows = stmt
        .query_map(rusqlite::params_from_iter(args.iter()), row_item)
        .map_err(sql_err)?;
    let mut items = Vec::new();
    for r in rows {
        items.push(r.map_err(sql_err)?);
    }
    let more = items.len() > q.limit as usize;
    items.truncate(q.limit as usize);
    let last = if more {
        items.last().map(|i| key_of(q.index, i))
    } else {
        None
    };
    Ok((items, last))
}

fn cond_holds(cond: Cond, current: Option<&Item>) -> bool {
    match cond {
        Cond::None => true,
        Cond::NotExists => current.is_none(),
        Cond::Exists => current.is_some(),
        Cond::Version(v) => current.is_some_and(|i| i.version == v),
        Cond::NotExistsOrExpired(now) => {
            current.is_none_or(|i| i.expires_at.is_some_and(|e| e < now))
        }
    }
}

fn now_text() -> String {
    OffsetDateTime::now_utc()
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

fn image(item: Option<&Item>) -> Result<Option<String>> {
    item.map(|i| serde_json::to_string(i).map_err(StoreError::internal))
        .transpose()
}

fn record_change(
    tx: &rusqlite::Transaction<'_>,
    pk: &str,
    sk: &str,
    old: Option<&Item>,
    new: Option<&Item>,
) -> Result<()> {
    let event = match (old, new) {
        (None, _) => ChangeEvent::Insert,
        (Some(_), Some(_)) => ChangeEvent::Modify,
        (Some(_), None) => ChangeEvent::Remove,
    };
    tx.prepare_cached(
        "INSERT INTO changes (pk, sk, event_name, old_image, new_image, created_at) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )
    .and_then(|mut s| {
        s.execute(params![
            pk,
            sk,
            event.as_str(),
            image(old).ok().flatten(),
            image(new).ok().flatten(),
            now_text()
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

fn backfill_search_entries(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    for task in &every_stored_task(tx)? {
        for item in crate::keys::word_items(task) {
            put_item(tx, &item)?;
        }
    }
    Ok(())
}

fn rebuild_counters_and_search_entries(tx: &rusqlite::Transaction<'_>) -> Result<()> {
    tx.execute_batch(&format!(
        "DELETE FROM items WHERE pk = '{}'; DELETE FROM items WHERE sk LIKE '{}%';",
        crate::keys::COUNTER_PK,
        crate::keys::WORD_PREFIX
    ))
    .map_err(sql_err)?;
    let tasks = every_stored_task(tx)?;
    for (sk, n) in crate::TaskCounters::of(&tasks).counts {
        let mut item = Item::new(
            crate::keys::COUNTER_PK.to_owned(),
            sk,
            crate::keys::json_text(&serde_json::json!({ "count": n })),
            1,
        );
        let (p, s) = crate::keys::counter_gsi1(&item.sk);
        (item.gsi1pk, item.gsi1sk) = (Some(p), Some(s));
        put_item(tx, &item)?;
    }
    backfill_search_entries(tx)
}

fn every_stored_task(tx: &rusqlite::Transaction<'_>) -> Result<Vec<domain::Task>> {
    let sql = format!("SELECT {COLS} FROM items WHERE sk = 'METADATA' AND pk LIKE 'TASK#%'");
    let mut stmt = tx.prepare(&sql).map_err(sql_err)?;
    let tasks = stmt
        .query_map([], row_item)
        .map_err(sql_err)?
        .map(|r| r.map_err(sql_err)?.entity::<domain::Task>())
        .collect::<Result<Vec<_>>>()?;
    Ok(tasks)
}

fn put_item(tx: &rusqlite::Transaction<'_>, item: &Item) -> Result<()> {
    let data = item.data.get();
    tx.prepare_cached(&format!(
        "INSERT OR REPLACE INTO items ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"
    ))
    .and_then(|mut s| {
        s.execute(params![
            item.pk,
            item.sk,
            item.gsi1pk,
            item.gsi1sk,
            item.gsi2pk,
            item.gsi2sk,
            item.gsi3pk,
            item.gsi3sk,
            data,
            item.version as i64,
            item.expires_at
        ])
    })
    .map_err(sql_err)?;
    Ok(())
}

fn delete_item(tx: &rusqlite::Transaction<'_>, pk: &str, sk: &str) -> Result<()> {
    tx.prepare_cached("DELETE FROM items WHERE pk = ?1 AND sk = ?2")
        .and_then(|mut s| s.execute(params![pk, sk]))
        .map_err(sql_err)?;
    Ok(())
}

fn apply(conn: &mut Connection, ops: Vec<Op>) -> Result<(), WriteError> {
    let tx = conn
        .transaction_with_behavior(TransactionBehavior::Immediate)
        .map_err(sql_err)?;
    for (i, op) in ops.into_iter().enumerate() {
        match op {
            Op::Put { item, cond } => {
                let old = get_item(&tx, &item.pk, &item.sk)?;
                if !cond_holds(cond, old.as_ref()) {
                    return Err(WriteError::Condition(Some(i)));
                }
                put_item(&tx, &item)?;
                record_change(&tx, &item.pk, &item.sk, old.as_ref(), Some(&item))?;
            }
            Op::Delete { pk, sk, cond } => {
                let old = get_item(&tx, &pk, &sk)?;
                if !cond_holds(cond, old.as_ref()) {
                    return Err(WriteError::Condition(Some(i)));
                }
                if old.is_some() {
                    delete_item(&tx, &pk, &sk)?;
                    record_change(&tx, &pk, &sk, old.as_ref(), None)?;
                }
            }
            Op::Check { pk, sk, cond } => {
                let old = get_item(&tx, &pk, &sk)?;
                if !cond_holds(cond, old.as_ref()) {
                    return Err(WriteError::Condition(Some(i)));
                }
            }
            Op::Adjust {
                pk,
                sk,
                delta,
                min_result,
                gsi1,
            } => {
                let old = get_item(&tx, &pk, &sk)?;
                let count = old.as_ref().and_then(Item::count).unwrap_or(0);
                let next = count + delta;
                if min_result.is_some_and(|m| old.is_none() || next < m) {
                    return Err(WriteError::Condition(Some(i)));
                }
                let version = old.as_ref().map_or(1, |o| o.version + 1);
                let data = crate::keys::json_text(&serde_json::json!({ "count": next }));
                let mut item = Item::new(pk, sk, data, version);
                if let Some((p, s)) = gsi1 {
                    item.gsi1pk = Some(p);
                    item.gsi1sk = Some(s);
                }
                put_item(&tx, &item)?;
                record_change(&tx, &item.pk, &item.sk, old.as_ref(), Some(&item))?;
            }
        }
    }
    tx.commit().map_err(sql_err)?;
    Ok(())
}

#[async_trait]
impl Backend for SqliteStore {
    async fn get(&self, pk: &str, sk: &str) -> Result<Option<Item>> {
        let (pk, sk) = (pk.to_owned(), sk.to_owned());
        self.read_small(move |c| get_item(c, &pk, &sk)).await
    }

    async fn get_many(&self, keys: Vec<(String, String)>) -> Result<Vec<Item>> {
        debug_assert!(keys.len() <= engine::GET_MANY_MAX);
        if keys.is_empty() {
            return Ok(Vec::new());
        }
        self.read_small(move |c| get_items(c, &keys)).await
    }

    async fn query(&self, q: Query) -> Result<(Vec<Item>, Option<Key>)> {
        if q.limit <= SMALL_READ_ROWS {
            self.read_small(move |c| run_query(c, &q)).await
        } else {
            self.read(move |c| run_query(c, &q)).await
        }
    }

    async fn write(&self, ops: Vec<Op>) -> Result<(), WriteError> {
        self.write_with(move |c| apply(c, ops)).await
    }

    async fn delete_many(&self, keys: Vec<(String, String)>) -> Result<()> {
        let ops = keys
            .into_iter()
            .map(|(pk, sk)| Op::Delete {
                pk,
                sk,
                cond: Cond::None,
            })
            .collect();
        self.write(ops).await.map_err(|e| match e {
            WriteError::Store(e) => e,
            WriteError::Condition(_) => StoreError::Internal("unconditional delete failed".into()),
        })
    }
}

engine::impl_store!(SqliteStore);
crate::credentials::impl_credentials!(SqliteStore);

fn parse_image(s: Option<String>) -> Result<Option<Item>> {
    s.map(|s| serde_json::from_str(&s).map_err(StoreError::internal))
        .transpose()
}

#[async_trait]
impl ChangeFeed for SqliteStore {
    async fn read_changes(&self, after_seq: i64, limit: u32) -> Result<Vec<Change>> {
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT seq, pk, sk, event_name, old_image, new_image, created_at FROM changes \
                     WHERE seq > ?1 AND processed_at IS NULL ORDER BY seq LIMIT ?2",
                )
                .map_err(sql_err)?;
            let rows = stmt
                .query_map(params![after_seq, limit.max(1)], |r| {
                    Ok((
                        r.get::<_, i64>(0)?,
                        r.get::<_, String>(1)?,
                        r.get::<_, String>(2)?,
                        r.get::<_, String>(3)?,
                        r.get::<_, Option<String>>(4)?,
                        r.get::<_, Option<String>>(5)?,
                        r.get::<_, String>(6)?,
                    ))
                })
                .map_err(sql_err)?;
            let mut out = Vec::new();
            for row in rows {
                let (seq, pk, sk, ev, old, new, at) = row.map_err(sql_err)?;
                let event = match ev.as_str() {
                    "INSERT" => ChangeEvent::Insert,
                    "MODIFY" => ChangeEvent::Modify,
                    _ => ChangeEvent::Remove,
                };
                out.push(Change {
                    seq,
                    pk,
                    sk,
                    event,
                    old_image: parse_image(old)?,
                    new_image: parse_image(new)?,
                    created_at: OffsetDateTime::parse(
                        &at,
                        &time::format_description::well_known::Rfc3339,
                    )
                    .map_err(StoreError::internal)?,
                });
            }
            Ok(out)
        })
        .await
    }

    async fn ack_change(&self, seq: i64) -> Result<()> {
        let done = self
            .write_with(move |c| {
                c.execute(
                    "UPDATE changes SET processed_at = ?2 WHERE seq = ?1 AND processed_at IS NULL",
                    params![seq, now_text()],
                )
                .map_err(|e| WriteError::Store(sql_err(e)))
            })
            .await
            .map_err(|e| match e {
                WriteError::Store(e) => e,
                WriteError::Condition(_) => StoreError::Conflict,
            })?;
        if done == 0 {
            // Either unknown or already acknowledged; both mean the caller
            // is out of step with the feed.
            let exists = self
                .read(move |c| {
                    c.query_row("SELECT 1 FROM changes WHERE seq = ?1", [seq], |_| Ok(()))
                        .optional()
                        .map_err(sql_err)
                })
                .await?;
            if exists.is_none() {
                return Err(StoreError::NotFound);
            }
        }
        Ok(())
    }
}
