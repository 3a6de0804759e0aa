//! The database schema as numbered migrations, run at start in order, each in its own
//! transaction. One text serves both backends: only the key columns and the trigger that
//! keeps the audit log append-only differ. Dates and times are ISO 8601 text, so that both
//! backends store, compare and sort them the same way.

use crate::store::Backend;

/// One schema change.
pub struct Migration {
    /// Its number; migrations run in this order.
    pub version: i64,
    /// What it does, in a few words.
    pub name: &'static str,
    script: &'static str,
}

impl Migration {
    /// The script for `backend`.
    pub fn script(&self, backend: Backend) -> String {
        let key = match backend {
            Backend::Sqlite => "INTEGER PRIMARY KEY AUTOINCREMENT",
            Backend::Postgres => "BIGSERIAL PRIMARY KEY",
        };
        let mut script = self.script.replace("{key}", key);
        if self.version == 1 {
            script.push_str(match backend {
                Backend::Sqlite => SQLITE_APPEND_ONLY,
                Backend::Postgres => POSTGRES_APPEND_ONLY,
            });
        }
        script
    }
}

/// Every migration, oldest first. Never edit one that has shipped: add the next.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "networks, people, meetings, actions, care plans, users, sessions, audit",
        script: INITIAL,
    },
    Migration {
        version: 2,
        name: "discussions by meeting, for case lists and network activity",
        script: "CREATE INDEX discussion_meeting ON discussion(meeting_id);",
    },
];

const INITIAL: &str = r#"
CREATE TABLE organisation (
    id {key},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE TABLE network (
    id {key},
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    cadence TEXT NOT NULL,
    venue TEXT NOT NULL
);
CREATE TABLE practice (
    code TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    network_id BIGINT REFERENCES network(id)
);
CREATE TABLE app_user (
    id {key},
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    organisation_id BIGINT NOT NULL REFERENCES organisation(id),
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1
);
CREATE TABLE network_member (
    network_id BIGINT NOT NULL REFERENCES network(id),
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    PRIMARY KEY (network_id, user_id)
);
CREATE TABLE person (
    id BIGINT PRIMARY KEY,
    network_id BIGINT NOT NULL REFERENCES network(id),
    practice_code TEXT NOT NULL,
    sex TEXT NOT NULL,
    birth_year BIGINT NOT NULL,
    risk_score DOUBLE PRECISION,
    risk_reasons TEXT NOT NULL DEFAULT '',
    scored_on TEXT,
    navigator_id BIGINT REFERENCES app_user(id)
);
CREATE INDEX person_network ON person(network_id);
CREATE TABLE case_finding (
    network_id BIGINT NOT NULL REFERENCES network(id),
    list_date TEXT NOT NULL,
    list_rank BIGINT NOT NULL,
    person_id BIGINT NOT NULL REFERENCES person(id),
    score DOUBLE PRECISION NOT NULL,
    reasons TEXT NOT NULL,
    PRIMARY KEY (network_id, list_date, person_id)
);
CREATE TABLE referral (
    id {key},
    person_id BIGINT NOT NULL REFERENCES person(id),
    network_id BIGINT NOT NULL REFERENCES network(id),
    organisation_id BIGINT NOT NULL REFERENCES organisation(id),
    referred_by BIGINT REFERENCES app_user(id),
    source TEXT NOT NULL,
    reason TEXT NOT NULL,
    urgency TEXT NOT NULL,
    risk_score DOUBLE PRECISION,
    risk_reasons TEXT NOT NULL,
    status TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE INDEX referral_network_status ON referral(network_id, status);
CREATE TABLE meeting (
    id {key},
    network_id BIGINT NOT NULL REFERENCES network(id),
    meeting_date TEXT NOT NULL,
    start_time TEXT NOT NULL,
    format TEXT NOT NULL,
    venue TEXT NOT NULL,
    status TEXT NOT NULL,
    created_by BIGINT REFERENCES app_user(id),
    created_at TEXT NOT NULL
);
CREATE INDEX meeting_network_date ON meeting(network_id, meeting_date);
CREATE TABLE meeting_attendee (
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    PRIMARY KEY (meeting_id, user_id)
);
CREATE TABLE case_item (
    id {key},
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    source TEXT NOT NULL,
    referral_id BIGINT REFERENCES referral(id),
    follow_up BIGINT NOT NULL,
    list_position BIGINT NOT NULL,
    UNIQUE (meeting_id, person_id)
);
CREATE INDEX case_item_person ON case_item(person_id);
CREATE TABLE discussion (
    id {key},
    case_item_id BIGINT NOT NULL UNIQUE REFERENCES case_item(id),
    meeting_id BIGINT NOT NULL REFERENCES meeting(id),
    person_id BIGINT NOT NULL REFERENCES person(id),
    notes TEXT NOT NULL,
    outcome TEXT NOT NULL,
    follow_up_on TEXT,
    recorded_by BIGINT REFERENCES app_user(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX discussion_person ON discussion(person_id);
CREATE TABLE mdt_action (
    id {key},
    person_id BIGINT NOT NULL REFERENCES person(id),
    discussion_id BIGINT REFERENCES discussion(id),
    description TEXT NOT NULL,
    owner_id BIGINT NOT NULL REFERENCES app_user(id),
    due_on TEXT NOT NULL,
    status TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by BIGINT REFERENCES app_user(id),
    updated_at TEXT NOT NULL
);
CREATE INDEX mdt_action_person ON mdt_action(person_id);
CREATE TABLE care_plan (
    person_id BIGINT PRIMARY KEY REFERENCES person(id),
    goals TEXT NOT NULL,
    review_on TEXT NOT NULL,
    version BIGINT NOT NULL,
    updated_by BIGINT REFERENCES app_user(id),
    updated_at TEXT NOT NULL
);
CREATE TABLE user_session (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES app_user(id),
    csrf_token TEXT NOT NULL,
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
CREATE TABLE audit_log (
    id {key},
    occurred_at TEXT NOT NULL,
    user_id BIGINT,
    username TEXT NOT NULL,
    action TEXT NOT NULL,
    entity TEXT NOT NULL,
    entity_id TEXT NOT NULL,
    person_id BIGINT,
    route TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log(person_id);
"#;

// No user can edit the audit log: not through Accord (there is no such route) and not
// through the database either, short of dropping the trigger.
const SQLITE_APPEND_ONLY: &str = r#"
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
"#;

const POSTGRES_APPEND_ONLY: &str = r#"
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
"#;
