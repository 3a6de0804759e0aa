//! Who may do what: the roles of seed 004's network teams, what each role may do, and the
//! [`Actor`] every person-level function is called with. A user reaches only the people of
//! the networks they belong to, and only as their role allows.

use serde::Serialize;

use crate::{MdtError, Result};

/// A user's job in the partnership.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// A general practitioner.
    Gp,
    /// A community matron (a senior community nurse).
    CommunityMatron,
    /// An adult social worker.
    SocialWorker,
    /// A mental health practitioner.
    MentalHealth,
    /// A care navigator, who keeps in touch with the person between meetings.
    Navigator,
    /// The network's MDT coordinator, who schedules meetings and keeps the case list.
    Coordinator,
    /// An analyst, who sees aggregates only.
    Analyst,
    /// An administrator, who manages users and reads the audit log.
    Administrator,
}

/// Something a role may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Open a person's MDT record, a meeting's case list or the action tracker.
    ViewPeople,
    /// Refer a person to the network's MDT.
    Refer,
    /// Schedule meetings and build their case lists (the coordination team).
    ManageMeetings,
    /// Record what the MDT discussed and agreed.
    RecordDiscussions,
    /// Add and change actions and care plans.
    EditCare,
    /// Name a person's navigator.
    AssignNavigators,
    /// A network's activity in aggregate: no person-level data.
    ViewActivity,
    /// Read the audit log.
    ReadAudit,
    /// The MDT evaluation and the risk model card: aggregates, but of small groups (a
    /// network's few people discussed, the flagged top of a list).
    ReadSmallNumbers,
}

impl Role {
    /// Every role, in the order forms list them.
    pub const ALL: [Role; 8] = [
        Role::Gp,
        Role::CommunityMatron,
        Role::SocialWorker,
        Role::MentalHealth,
        Role::Navigator,
        Role::Coordinator,
        Role::Analyst,
        Role::Administrator,
    ];

    /// The role's code, as stored.
    pub fn code(self) -> &'static str {
        match self {
            Role::Gp => "gp",
            Role::CommunityMatron => "community_matron",
            Role::SocialWorker => "social_worker",
            Role::MentalHealth => "mental_health",
            Role::Navigator => "navigator",
            Role::Coordinator => "coordinator",
            Role::Analyst => "analyst",
            Role::Administrator => "administrator",
        }
    }

    /// The role's name, for people.
    pub fn label(self) -> &'static str {
        match self {
            Role::Gp => "GP",
            Role::CommunityMatron => "Community matron",
            Role::SocialWorker => "Social worker",
            Role::MentalHealth => "Mental health practitioner",
            Role::Navigator => "Navigator",
            Role::Coordinator => "Network coordinator",
            Role::Analyst => "Analyst",
            Role::Administrator => "Administrator",
        }
    }

    /// The role a code names, if any.
    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
    }

    /// The care team: the roles that work with people in the meeting.
    fn in_care_team(self) -> bool {
        matches!(
            self,
            Role::Gp
                | Role::CommunityMatron
                | Role::SocialWorker
                | Role::MentalHealth
                | Role::Navigator
                | Role::Coordinator
        )
    }

    /// The permission matrix (docs/mdt.md prints it). Analysts see aggregates only;
    /// administrators manage the system and read the audit log but open no one's record.
    pub fn may(self, permission: Permission) -> bool {
        match permission {
            Permission::ViewPeople | Permission::Refer | Permission::EditCare => {
                self.in_care_team()
            }
            Permission::RecordDiscussions => self.in_care_team() && self != Role::Navigator,
            Permission::ManageMeetings => self == Role::Coordinator,
            Permission::AssignNavigators => matches!(self, Role::Coordinator | Role::Navigator),
            Permission::ViewActivity => self != Role::Administrator,
            Permission::ReadAudit => self == Role::Administrator,
            Permission::ReadSmallNumbers => matches!(self, Role::Coordinator | Role::Analyst),
        }
    }
}

impl Permission {
    /// Every permission, in the order the roles page lists them.
    pub const ALL: [Permission; 9] = [
        Permission::ViewPeople,
        Permission::Refer,
        Permission::ManageMeetings,
        Permission::RecordDiscussions,
        Permission::EditCare,
        Permission::AssignNavigators,
        Permission::ViewActivity,
        Permission::ReadAudit,
        Permission::ReadSmallNumbers,
    ];

    /// What the permission allows, in a sentence.
    pub fn describe(self) -> &'static str {
        match self {
            Permission::ViewPeople => "open people's MDT records",
            Permission::Refer => "refer people to the MDT",
            Permission::ManageMeetings => "schedule meetings and build case lists",
            Permission::RecordDiscussions => "record MDT discussions",
            Permission::EditCare => "change actions and care plans",
            Permission::AssignNavigators => "assign navigators",
            Permission::ViewActivity => "see network activity",
            Permission::ReadAudit => "read the audit log",
            Permission::ReadSmallNumbers => "read the MDT evaluation and the risk model card",
        }
    }
}

/// A signed-in user doing something now.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Actor {
    /// The user's id.
    pub user_id: i64,
    /// The name they sign in with.
    pub username: String,
    /// The name colleagues know them by.
    pub display_name: String,
    /// What they may do.
    pub role: Role,
    /// The networks the user belongs to (database ids).
    pub networks: Vec<i64>,
    /// What the user asked for (`GET /mdt/people/42`), for the audit log.
    pub request: String,
}

impl Actor {
    /// Refuses unless the role allows `permission`.
    pub fn require(&self, permission: Permission) -> Result<()> {
        if self.role.may(permission) {
            Ok(())
        } else {
            Err(MdtError::Forbidden(format!(
                "a {} cannot {}",
                self.role.label().to_lowercase(),
                permission.describe()
            )))
        }
    }

    /// Refuses unless the role allows `permission` in network `network_id`.
    pub fn require_in(&self, permission: Permission, network_id: i64) -> Result<()> {
        self.require(permission)?;
        if self.networks.contains(&network_id) {
            Ok(())
        } else {
            Err(MdtError::Forbidden(
                "this belongs to a network you are not a member of".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_care_team_opens_records() {
        for role in Role::ALL {
            assert_eq!(
                role.may(Permission::ViewPeople),
                !matches!(role, Role::Analyst | Role::Administrator),
                "{role:?}"
            );
        }
        assert!(Role::Administrator.may(Permission::ReadAudit));
        assert!(!Role::Coordinator.may(Permission::ReadAudit));
        assert!(Role::Coordinator.may(Permission::ManageMeetings));
        assert!(!Role::Gp.may(Permission::ManageMeetings));
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.code()), Some(role));
        }
        assert_eq!(Role::parse("surgeon"), None);
    }
}
