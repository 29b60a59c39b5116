//! One module per page.

pub mod booking;
pub mod checkout;
pub mod city;
pub mod event;
pub mod home;
pub mod room;
pub mod search;
pub mod seat_map;
pub mod show;
pub mod tickets;
pub mod venue;
pub mod wait;

pub use booking::BookingPage;
pub use checkout::CheckoutPage;
pub use city::CityPage;
pub use event::EventPage;
pub use home::HomePage;
pub use room::RoomPage;
pub use search::SearchPage;
pub use show::ShowPage;
pub use tickets::TicketsPage;
pub use venue::VenuePage;
pub use wait::WaitPage;
