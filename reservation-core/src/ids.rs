//! Identifiers. Each entity has its own newtype so a `ShowId` can never be
//! passed where a `SeatId` is expected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::InputError;

macro_rules! uuid_id {
    ($(#[$doc:meta])* $name:ident, $kind:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, format = Uuid))]
        #[serde(transparent)]
        pub struct $name(Uuid);

        impl $name {
            /// A fresh random id (UUID v4).
            pub fn random() -> Self {
                Self(Uuid::new_v4())
            }

            /// A stable id derived from a name (UUID v5), for fixtures and imports
            /// that need the same id on every run.
            pub fn from_name(name: &str) -> Self {
                Self(Uuid::new_v5(&Uuid::NAMESPACE_OID, concat!($kind, ":").bytes().chain(name.bytes()).collect::<Vec<u8>>().as_slice()))
            }

            /// Wraps an existing UUID (for example one read from a database).
            pub const fn from_uuid(uuid: Uuid) -> Self {
                Self(uuid)
            }

            /// The underlying UUID.
            pub const fn as_uuid(&self) -> Uuid {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.0.fmt(f)
            }
        }

        impl FromStr for $name {
            type Err = InputError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Uuid::parse_str(s).map(Self).map_err(|_| InputError::InvalidId {
                    kind: $kind,
                    input: s.chars().take(64).collect(),
                })
            }
        }
    };
}

uuid_id!(
    /// A city in the catalog.
    CityId, "city id"
);
uuid_id!(
    /// A venue (cinema, concert hall, arena).
    VenueId, "venue id"
);
uuid_id!(
    /// A hall (auditorium) inside a venue, with its seating layout.
    HallId, "hall id"
);
uuid_id!(
    /// An event: a movie or a concert, independent of where and when it plays.
    EventId, "event id"
);
uuid_id!(
    /// A performer (artist, band, cast member).
    PerformerId, "performer id"
);
uuid_id!(
    /// A show: one event in one hall at one start time.
    ShowId, "show id"
);
uuid_id!(
    /// A seat of a hall's layout. Stable for the layout's lifetime and unique
    /// across halls, so a seat of another show is recognised as such.
    SeatId, "seat id"
);
uuid_id!(
    /// The public id of a hold. Unlike the [`HoldToken`](crate::HoldToken) it
    /// grants nothing, so it may appear in public event streams.
    HoldId, "hold id"
);
uuid_id!(
    /// A confirmed booking.
    BookingId, "booking id"
);
uuid_id!(
    /// One ticket of a booking (one per seat).
    TicketId, "ticket id"
);
uuid_id!(
    /// A place in a show's waitlist.
    WaitId, "wait id"
);
uuid_id!(
    /// Whoever holds seats: an anonymous session, a user account, an API client.
    /// Use [`HolderId::from_name`] to map an existing user id onto it.
    HolderId, "holder id"
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_text() {
        let id = ShowId::random();
        assert_eq!(id.to_string().parse::<ShowId>(), Ok(id));
    }

    #[test]
    fn named_ids_are_stable_and_distinct_per_kind() {
        assert_eq!(SeatId::from_name("F12"), SeatId::from_name("F12"));
        assert_ne!(
            SeatId::from_name("F12").as_uuid(),
            HallId::from_name("F12").as_uuid()
        );
    }

    #[test]
    fn garbage_is_a_typed_error() {
        let err = "not-a-uuid".parse::<BookingId>().unwrap_err();
        assert!(matches!(
            err,
            InputError::InvalidId {
                kind: "booking id",
                ..
            }
        ));
    }
}
