//! Events for the pages a signed-in user has open: "this mailbox's sync state changed", "N new
//! transactions", and "this user's sessions changed" (which ends streams whose session ended).
//! They carry ids and counts, never mail or transaction data. Owns `page_events`.
//!
//! Whichever instance an event happens on, every instance holding a stream for that user gets
//! it: on PostgreSQL through `NOTIFY` (each instance `LISTEN`s, [`Events::run`]); on SQLite
//! through the `page_events` table, which each instance reads after its own writes and every
//! [`SQLITE_POLL`] for the others'. Streams are bounded per user and per instance, and all end
//! when the instance shuts down.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgListener;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr,
    EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set, Statement,
};
use serde::{Deserialize, Serialize};
use tokio::sync::{Notify, broadcast};
use tokio_util::sync::CancellationToken;

use crate::clock::Clock;
use crate::entities::{email_accounts, page_events};

/// The PostgreSQL channel the instances share.
const CHANNEL: &str = "mailconnect_page_events";
/// How often an instance on SQLite reads the events other instances wrote.
pub const SQLITE_POLL: Duration = Duration::from_millis(250);
/// How long an event stays in `page_events` (SQLite): far longer than any instance's poll.
const KEEP_SECS: i64 = 60;
/// Events waiting for one slow stream; past this it is told to read everything again.
const BACKLOG: usize = 32;

/// What happened, for one user's pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "t", rename_all = "snake_case")]
pub enum Event {
    /// A mailbox's sync was queued, or finished (its row shows something new).
    Sync { account: i32 },
    /// A sync stored this many new transactions.
    NewTransactions { account: i32, count: u32 },
    /// The user signed out, changed their password or left: each stream checks its session.
    SessionsEnded,
    /// Events may have been missed (a stream fell behind, the database connection dropped):
    /// the page reads everything again.
    Stale,
}

/// An event on its way between instances.
#[derive(Serialize, Deserialize)]
struct Envelope {
    user: i32,
    event: Event,
}

/// How many streams may be open at once.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub per_user: usize,
    pub per_instance: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            per_user: 8,
            per_instance: 10_000,
        }
    }
}

/// Why a stream was not opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The user has [`Limits::per_user`] streams open already.
    UserFull,
    /// This instance holds [`Limits::per_instance`] streams.
    InstanceFull,
}

#[derive(Clone)]
pub struct Events(Arc<Inner>);

struct Inner {
    db: DatabaseConnection,
    clock: Clock,
    limits: Limits,
    /// Each user with a stream open here, and how many.
    users: Mutex<HashMap<i32, (broadcast::Sender<Event>, usize)>>,
    open: AtomicUsize,
    /// Wakes this instance's SQLite reader after it wrote an event.
    written: Notify,
    /// Fires at shutdown: every stream ends, so the server's graceful stop is not held up.
    closing: CancellationToken,
}

impl Events {
    pub fn new(db: DatabaseConnection, clock: Clock, limits: Limits) -> Self {
        Self(Arc::new(Inner {
            db,
            clock,
            limits,
            users: Mutex::default(),
            open: AtomicUsize::new(0),
            written: Notify::new(),
            closing: CancellationToken::new(),
        }))
    }

    /// Tells every instance's streams of `user` about `event`. An event is a hint to read
    /// again: a failure to send it is logged, not returned.
    pub async fn publish(&self, user: i32, event: Event) {
        if let Err(error) = self.try_publish(user, event).await {
            tracing::warn!(%error, "sending a page event failed");
        }
    }

    /// [`Self::publish`] for the owner of mailbox `account` (nothing if it is gone).
    pub async fn publish_for_mailbox(&self, account: i32, event: Event) {
        let owner: Result<Option<i32>, DbErr> = email_accounts::Entity::find_by_id(account)
            .select_only()
            .column(email_accounts::Column::UserId)
            .into_tuple()
            .one(&self.0.db)
            .await;
        match owner {
            Ok(Some(user)) => self.publish(user, event).await,
            Ok(None) => {}
            Err(error) => tracing::warn!(%error, "finding a mailbox's owner for an event failed"),
        }
    }

    async fn try_publish(&self, user: i32, event: Event) -> Result<(), DbErr> {
        let payload = serde_json::to_string(&Envelope { user, event })
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        let db = &self.0.db;
        match db.get_database_backend() {
            DbBackend::Postgres => {
                db.execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    "SELECT pg_notify($1, $2)",
                    [CHANNEL.into(), payload.into()],
                ))
                .await?;
            }
            _ => {
                page_events::ActiveModel {
                    user_id: Set(user),
                    payload: Set(payload),
                    created_at: Set(self.0.clock.now()),
                    ..Default::default()
                }
                .insert(db)
                .await?;
                self.0.written.notify_one();
            }
        }
        Ok(())
    }

    /// Opens a stream of `user`'s events on this instance.
    pub fn subscribe(&self, user: i32) -> Result<Subscription, Refused> {
        let inner = &self.0;
        let mut users = inner.users.lock().expect("events lock");
        let (sender, count) = users
            .entry(user)
            .or_insert_with(|| (broadcast::channel(BACKLOG).0, 0));
        if *count >= inner.limits.per_user {
            return Err(Refused::UserFull);
        }
        if inner.open.load(Ordering::Relaxed) >= inner.limits.per_instance {
            if *count == 0 {
                users.remove(&user);
            }
            return Err(Refused::InstanceFull);
        }
        *count += 1;
        inner.open.fetch_add(1, Ordering::Relaxed);
        metrics::gauge!("mailconnect_event_streams").increment(1.0);
        Ok(Subscription {
            receiver: sender.subscribe(),
            user,
            events: self.clone(),
        })
    }

    /// Streams open on this instance.
    pub fn open_streams(&self) -> usize {
        self.0.open.load(Ordering::Relaxed)
    }

    fn deliver(&self, user: i32, event: Event) {
        let users = self.0.users.lock().expect("events lock");
        if let Some((sender, _)) = users.get(&user) {
            // No receiver: every stream of the user ended a moment ago.
            let _ = sender.send(event);
        }
    }

    fn deliver_to_all(&self, event: Event) {
        let users = self.0.users.lock().expect("events lock");
        for (sender, _) in users.values() {
            let _ = sender.send(event);
        }
    }

    /// Carries other instances' events (and, on SQLite, this one's) to this instance's streams
    /// until `stop` fires; then ends every stream.
    pub async fn run(self, stop: CancellationToken) {
        match self.0.db.get_database_backend() {
            DbBackend::Postgres => self.listen(&stop).await,
            _ => self.poll(&stop).await,
        }
        self.0.closing.cancel();
    }

    /// PostgreSQL: `LISTEN` on the shared channel. A dropped connection may have lost events:
    /// every stream is told to read again.
    async fn listen(&self, stop: &CancellationToken) {
        let pool = self.0.db.get_postgres_connection_pool();
        let mut listener = loop {
            let connected = async {
                let mut listener = PgListener::connect_with(pool).await?;
                listener.listen(CHANNEL).await?;
                Ok::<_, sea_orm::sqlx::Error>(listener)
            };
            match connected.await {
                Ok(listener) => break listener,
                Err(error) => {
                    tracing::warn!(%error, "listening for page events failed; retrying");
                    if !wait_to_retry(stop).await {
                        return;
                    }
                }
            }
        };
        loop {
            let received = tokio::select! {
                () = stop.cancelled() => return,
                received = listener.try_recv() => received,
            };
            match received {
                Ok(Some(notification)) => {
                    match serde_json::from_str::<Envelope>(notification.payload()) {
                        Ok(envelope) => self.deliver(envelope.user, envelope.event),
                        Err(error) => tracing::warn!(%error, "an unreadable page event"),
                    }
                }
                // The connection dropped; the next call reconnects.
                Ok(None) => self.deliver_to_all(Event::Stale),
                Err(error) => {
                    tracing::warn!(%error, "listening for page events failed; retrying");
                    self.deliver_to_all(Event::Stale);
                    if !wait_to_retry(stop).await {
                        return;
                    }
                }
            }
        }
    }

    /// SQLite: reads `page_events` after this instance writes one, and every [`SQLITE_POLL`].
    async fn poll(&self, stop: &CancellationToken) {
        let mut last = loop {
            match self.newest().await {
                Ok(last) => break last,
                Err(error) => {
                    tracing::warn!(%error, "reading page events failed; retrying");
                    if !wait_to_retry(stop).await {
                        return;
                    }
                }
            }
        };
        loop {
            tokio::select! {
                () = stop.cancelled() => return,
                () = self.0.written.notified() => {}
                () = tokio::time::sleep(SQLITE_POLL) => {}
            }
            let rows = page_events::Entity::find()
                .filter(page_events::Column::Id.gt(last))
                .order_by_asc(page_events::Column::Id)
                .limit(1000)
                .all(&self.0.db)
                .await;
            match rows {
                Ok(rows) => {
                    for row in rows {
                        last = row.id;
                        match serde_json::from_str::<Envelope>(&row.payload) {
                            Ok(envelope) => self.deliver(envelope.user, envelope.event),
                            Err(error) => tracing::warn!(%error, "an unreadable page event"),
                        }
                    }
                }
                Err(error) => {
                    tracing::warn!(%error, "reading page events failed");
                    self.deliver_to_all(Event::Stale);
                }
            }
        }
    }

    async fn newest(&self) -> Result<i64, DbErr> {
        let newest: Option<i64> = page_events::Entity::find()
            .select_only()
            .column_as(page_events::Column::Id.max(), "id")
            .into_tuple::<Option<i64>>()
            .one(&self.0.db)
            .await?
            .flatten();
        Ok(newest.unwrap_or(0))
    }

    /// Deletes events every instance has read (SQLite; PostgreSQL keeps none). Returns how many.
    pub async fn purge(&self) -> Result<u64, DbErr> {
        let before = self.0.clock.now() - KEEP_SECS;
        let deleted = page_events::Entity::delete_many()
            .filter(page_events::Column::CreatedAt.lt(before))
            .exec(&self.0.db)
            .await?;
        Ok(deleted.rows_affected)
    }
}

/// Waits a second before a retry; false when `stop` fired first.
async fn wait_to_retry(stop: &CancellationToken) -> bool {
    tokio::select! {
        () = stop.cancelled() => false,
        () = tokio::time::sleep(Duration::from_secs(1)) => true,
    }
}

/// One open stream of a user's events. Dropping it closes it.
pub struct Subscription {
    receiver: broadcast::Receiver<Event>,
    user: i32,
    events: Events,
}

impl Subscription {
    /// The next event; `None` once the instance is shutting down.
    pub async fn next(&mut self) -> Option<Event> {
        tokio::select! {
            () = self.events.0.closing.cancelled() => None,
            received = self.receiver.recv() => match received {
                Ok(event) => Some(event),
                Err(broadcast::error::RecvError::Lagged(_)) => Some(Event::Stale),
                // The sender lives as long as this stream counts in `users`.
                Err(broadcast::error::RecvError::Closed) => None,
            },
        }
    }
}

impl Drop for Subscription {
    fn drop(&mut self) {
        let inner = &self.events.0;
        let mut users = inner.users.lock().expect("events lock");
        if let Some((_, count)) = users.get_mut(&self.user) {
            *count -= 1;
            if *count == 0 {
                users.remove(&self.user);
            }
        }
        inner.open.fetch_sub(1, Ordering::Relaxed);
        metrics::gauge!("mailconnect_event_streams").decrement(1.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_travel_as_small_json() {
        let envelope = Envelope {
            user: 4,
            event: Event::NewTransactions {
                account: 9,
                count: 3,
            },
        };
        let json = serde_json::to_string(&envelope).unwrap();
        assert_eq!(
            json,
            r#"{"user":4,"event":{"t":"new_transactions","account":9,"count":3}}"#
        );
        let back: Envelope = serde_json::from_str(&json).unwrap();
        assert_eq!(back.event, envelope.event);
    }

    #[tokio::test]
    async fn streams_count_against_their_user_and_the_instance_until_dropped() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let limits = Limits {
            per_user: 2,
            per_instance: 3,
        };
        let events = Events::new(db, Clock::system(), limits);
        let first = events.subscribe(1).unwrap();
        let _second = events.subscribe(1).unwrap();
        assert_eq!(events.subscribe(1).err(), Some(Refused::UserFull));
        let _third = events.subscribe(2).unwrap();
        assert_eq!(events.subscribe(3).err(), Some(Refused::InstanceFull));
        assert_eq!(events.open_streams(), 3);
        drop(first);
        assert_eq!(events.open_streams(), 2);
        let mut again = events.subscribe(1).unwrap();
        // Delivered to the user's streams only.
        events.deliver(1, Event::Stale);
        assert_eq!(again.next().await, Some(Event::Stale));
    }

    #[tokio::test]
    async fn a_stream_that_falls_behind_is_told_to_read_everything_again() {
        let db = sea_orm::Database::connect("sqlite::memory:").await.unwrap();
        let events = Events::new(db, Clock::system(), Limits::default());
        let mut stream = events.subscribe(1).unwrap();
        for account in 0..(BACKLOG as i32 + 5) {
            events.deliver(1, Event::Sync { account });
        }
        assert_eq!(stream.next().await, Some(Event::Stale));
    }
}
