//! One module per page.

pub mod city;
pub mod home;

pub use city::CityPage;
pub use home::HomePage;
