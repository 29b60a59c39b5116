//! Halls and their seating layouts.
//!
//! A [`Layout`] is the drawing a venue hands in: sections, rows, seats with
//! coordinates. [`Hall::new`] checks it once and builds a [`SeatingPlan`], the
//! compact index every seat operation works on (seats by dense [`SeatIndex`],
//! rows as sorted runs, the hall's sweet spot for best-available).

use std::collections::{HashMap, HashSet};

use crate::fast_map::FastMap;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use smol_str::SmolStr;

use crate::error::InputError;
use crate::ids::{HallId, SeatId, VenueId};

/// A point in layout coordinates. The stage or screen is at the top (small `y`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Point {
    /// Horizontal position.
    pub x: f32,
    /// Vertical position; grows away from the stage.
    pub y: f32,
}

impl Point {
    /// A point at `(x, y)`.
    pub const fn new(x: f32, y: f32) -> Self {
        Self { x, y }
    }

    fn is_finite(&self) -> bool {
        self.x.is_finite() && self.y.is_finite()
    }

    /// Euclidean distance to `other`.
    pub fn distance(&self, other: Point) -> f32 {
        ((self.x - other.x).powi(2) + (self.y - other.y).powi(2)).sqrt()
    }
}

/// The code of a price category within a layout, such as `A` or `premium`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(value_type = String, example = "A"))]
#[serde(try_from = "String", into = "String")]
pub struct CategoryCode(SmolStr);

impl CategoryCode {
    /// Parses a code: 1-32 characters of `A-Z a-z 0-9 _ -`.
    pub fn parse(code: &str) -> Result<Self, InputError> {
        let ok = (1..=32).contains(&code.len())
            && code
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if ok {
            Ok(Self(SmolStr::new(code)))
        } else {
            Err(InputError::InvalidCategoryCode(
                code.chars().take(40).collect(),
            ))
        }
    }

    /// The code as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for CategoryCode {
    type Error = InputError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        CategoryCode::parse(&value)
    }
}

impl From<CategoryCode> for String {
    fn from(value: CategoryCode) -> Self {
        value.0.into()
    }
}

impl fmt::Display for CategoryCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A price category of a layout (the show sets the price per category).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct PriceCategory {
    /// Short code seats refer to.
    pub code: CategoryCode,
    /// Display name, such as "Premium".
    pub name: String,
}

impl PriceCategory {
    /// A category with this code and display name.
    pub fn new(code: CategoryCode, name: impl Into<String>) -> Self {
        Self {
            code,
            name: name.into(),
        }
    }
}

/// Properties of a seat that matter to buyers.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
#[serde(default)]
pub struct SeatFlags {
    /// Wheelchair space or seat with step-free access.
    pub accessible: bool,
    /// Companion seat next to an accessible one.
    pub companion: bool,
    /// Seat on an aisle.
    pub aisle: bool,
}

impl SeatFlags {
    /// No flags set: the same as `SeatFlags::default()`.
    pub const NONE: SeatFlags = SeatFlags {
        accessible: false,
        companion: false,
        aisle: false,
    };

    /// The same flags with `accessible` set to `on`.
    #[must_use]
    pub const fn with_accessible(mut self, on: bool) -> Self {
        self.accessible = on;
        self
    }

    /// The same flags with `companion` set to `on`.
    #[must_use]
    pub const fn with_companion(mut self, on: bool) -> Self {
        self.companion = on;
        self
    }

    /// The same flags with `aisle` set to `on`.
    #[must_use]
    pub const fn with_aisle(mut self, on: bool) -> Self {
        self.aisle = on;
        self
    }
}

/// One seat as drawn on the layout.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Seat {
    /// Stable id.
    pub id: SeatId,
    /// What is printed on the ticket, such as "F12".
    pub label: String,
    /// Number within the row; consecutive numbers in a row sit side by side.
    pub number: u16,
    /// Where to draw it.
    pub position: Point,
    /// Price category code (one of the layout's categories).
    pub category: CategoryCode,
    /// Accessibility and position flags.
    #[serde(default)]
    pub flags: SeatFlags,
}

impl Seat {
    /// A seat without flags (add them with [`with_flags`](Self::with_flags)).
    pub fn new(
        id: SeatId,
        label: impl Into<String>,
        number: u16,
        position: Point,
        category: CategoryCode,
    ) -> Self {
        Self {
            id,
            label: label.into(),
            number,
            position,
            category,
            flags: SeatFlags::NONE,
        }
    }

    /// The same seat with these flags.
    #[must_use]
    pub fn with_flags(mut self, flags: SeatFlags) -> Self {
        self.flags = flags;
        self
    }
}

/// A row of seats.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Row {
    /// Row label, such as "F".
    pub label: String,
    /// The seats, in any order.
    pub seats: Vec<Seat>,
}

impl Row {
    /// A row labelled `label` with these seats.
    pub fn new(label: impl Into<String>, seats: Vec<Seat>) -> Self {
        Self {
            label: label.into(),
            seats,
        }
    }
}

/// A block of rows, such as "Stalls" or "Balcony". Aisles separate sections:
/// seats of different sections are never adjacent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Section {
    /// Display name.
    pub name: String,
    /// The rows.
    pub rows: Vec<Row>,
}

impl Section {
    /// A section named `name` with these rows.
    pub fn new(name: impl Into<String>, rows: Vec<Row>) -> Self {
        Self {
            name: name.into(),
            rows,
        }
    }
}

/// The stage or screen, drawn as a rectangle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Stage {
    /// "Screen" or "Stage".
    pub label: String,
    /// Top-left corner.
    pub origin: Point,
    /// Width.
    pub width: f32,
    /// Height.
    pub height: f32,
}

impl Stage {
    /// A stage or screen labelled `label`, drawn as a `width` x `height`
    /// rectangle from `origin`.
    pub fn new(label: impl Into<String>, origin: Point, width: f32, height: f32) -> Self {
        Self {
            label: label.into(),
            origin,
            width,
            height,
        }
    }
}

/// A hall's seating as the venue describes it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[non_exhaustive]
pub struct Layout {
    /// The stage or screen.
    pub stage: Stage,
    /// The best place to sit. Best-available ranks seats by their distance to
    /// it; when absent it is the horizontal centre of the seats, 60% of the
    /// way from the front row to the back row (cinema convention).
    pub sweet_spot: Option<Point>,
    /// The price categories seats refer to.
    pub categories: Vec<PriceCategory>,
    /// The sections.
    pub sections: Vec<Section>,
}

impl Layout {
    /// A layout with the default sweet spot (set one with
    /// [`with_sweet_spot`](Self::with_sweet_spot)). [`Hall::new`] checks it.
    pub fn new(stage: Stage, categories: Vec<PriceCategory>, sections: Vec<Section>) -> Self {
        Self {
            stage,
            sweet_spot: None,
            categories,
            sections,
        }
    }

    /// The same layout with this sweet spot.
    #[must_use]
    pub fn with_sweet_spot(mut self, sweet_spot: Point) -> Self {
        self.sweet_spot = Some(sweet_spot);
        self
    }
}

/// A layout that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[non_exhaustive]
pub enum LayoutError {
    /// No seats at all.
    #[error("the layout has no seats")]
    NoSeats,
    /// Two seats share an id.
    #[error("seat id {0} appears twice")]
    DuplicateSeatId(SeatId),
    /// Two seats share a label.
    #[error("seat label `{0}` appears twice")]
    DuplicateLabel(String),
    /// Two seats of one row share a number.
    #[error("row `{row}` has seat number {number} twice")]
    DuplicateNumber {
        /// Row label.
        row: String,
        /// The repeated number.
        number: u16,
    },
    /// A seat refers to a category the layout does not define.
    #[error("seat `{seat}` refers to unknown price category `{category}`")]
    UnknownCategory {
        /// Seat label.
        seat: String,
        /// The unknown code.
        category: CategoryCode,
    },
    /// A category code is defined twice.
    #[error("price category `{0}` is defined twice")]
    DuplicateCategory(CategoryCode),
    /// A coordinate is NaN or infinite.
    #[error("seat `{0}` has a non-finite position")]
    BadPosition(String),
    /// More seats than a [`SeatIndex`] can address.
    #[error("the layout has more than {max} seats", max = u32::MAX)]
    TooManySeats,
    /// Two seats are drawn on top of each other: their centres are closer
    /// than [`MIN_SEAT_SPACING`].
    #[error("seats `{seat}` and `{other}` overlap (closer than {MIN_SEAT_SPACING} units)")]
    OverlappingSeats {
        /// One seat's label.
        seat: String,
        /// The seat it overlaps.
        other: String,
    },
}

pub use super::spacing::MIN_SEAT_SPACING;

/// Dense index of a seat within its hall's [`SeatingPlan`], `0..plan.len()`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SeatIndex(pub u32);

impl SeatIndex {
    /// As a `usize` for slice indexing.
    pub const fn get(self) -> usize {
        self.0 as usize
    }
}

/// A seat in the plan: what operations need, without strings.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanSeat {
    /// Stable id.
    pub id: SeatId,
    /// Index of its row in [`SeatingPlan::rows`].
    pub row: u32,
    /// Number within the row.
    pub number: u16,
    /// Index of its category in [`Layout::categories`].
    pub category: u16,
    /// Flags.
    pub flags: SeatFlags,
    /// Position.
    pub position: Point,
}

/// A row in the plan: its seats are the contiguous index range `start..end`,
/// sorted by seat number.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanRow {
    /// Index of the section in [`Layout::sections`].
    pub section: u32,
    /// First seat index.
    pub start: u32,
    /// One past the last seat index.
    pub end: u32,
}

impl PlanRow {
    /// The seat indexes of this row, left to right by number.
    pub fn seats(&self) -> impl DoubleEndedIterator<Item = SeatIndex> + ExactSizeIterator {
        (self.start..self.end).map(SeatIndex)
    }
}

/// The checked, indexed form of a [`Layout`].
#[derive(Debug, Clone, PartialEq)]
pub struct SeatingPlan {
    seats: Vec<PlanSeat>,
    labels: Vec<SmolStr>,
    rows: Vec<PlanRow>,
    by_id: FastMap<SeatId, SeatIndex>,
    sweet_spot: Point,
}

impl SeatingPlan {
    /// Checks `layout` and indexes it.
    pub fn new(layout: &Layout) -> Result<Self, LayoutError> {
        let mut category_index = HashMap::new();
        for (i, category) in layout.categories.iter().enumerate() {
            if category_index
                .insert(category.code.clone(), i as u16)
                .is_some()
            {
                return Err(LayoutError::DuplicateCategory(category.code.clone()));
            }
        }
        let mut seats = Vec::new();
        let mut labels = Vec::new();
        let mut rows = Vec::new();
        let mut by_id = FastMap::default();
        let mut seen_labels = HashSet::new();
        for (section_no, section) in layout.sections.iter().enumerate() {
            for row in &section.rows {
                let mut ordered: Vec<&Seat> = row.seats.iter().collect();
                ordered.sort_by_key(|seat| seat.number);
                let start = u32::try_from(seats.len()).map_err(|_| LayoutError::TooManySeats)?;
                let row_no = rows.len() as u32;
                for (i, seat) in ordered.iter().enumerate() {
                    if i > 0 && ordered[i - 1].number == seat.number {
                        return Err(LayoutError::DuplicateNumber {
                            row: row.label.clone(),
                            number: seat.number,
                        });
                    }
                    if !seat.position.is_finite() {
                        return Err(LayoutError::BadPosition(seat.label.clone()));
                    }
                    let category = *category_index.get(&seat.category).ok_or_else(|| {
                        LayoutError::UnknownCategory {
                            seat: seat.label.clone(),
                            category: seat.category.clone(),
                        }
                    })?;
                    if !seen_labels.insert(seat.label.as_str()) {
                        return Err(LayoutError::DuplicateLabel(seat.label.clone()));
                    }
                    let index = SeatIndex(
                        u32::try_from(seats.len()).map_err(|_| LayoutError::TooManySeats)?,
                    );
                    if by_id.insert(seat.id, index).is_some() {
                        return Err(LayoutError::DuplicateSeatId(seat.id));
                    }
                    seats.push(PlanSeat {
                        id: seat.id,
                        row: row_no,
                        number: seat.number,
                        category,
                        flags: seat.flags,
                        position: seat.position,
                    });
                    labels.push(SmolStr::new(&seat.label));
                }
                let end = u32::try_from(seats.len()).map_err(|_| LayoutError::TooManySeats)?;
                if end > start {
                    rows.push(PlanRow {
                        section: section_no as u32,
                        start,
                        end,
                    });
                }
            }
        }
        if seats.is_empty() {
            return Err(LayoutError::NoSeats);
        }
        let sweet_spot = layout
            .sweet_spot
            .unwrap_or_else(|| default_sweet_spot(&seats));
        Ok(Self {
            seats,
            labels,
            rows,
            by_id,
            sweet_spot,
        })
    }

    /// Number of seats.
    pub fn len(&self) -> usize {
        self.seats.len()
    }

    /// Always false: a plan has at least one seat.
    pub fn is_empty(&self) -> bool {
        self.seats.is_empty()
    }

    /// The seat at `index`.
    ///
    /// # Panics
    /// If `index` is not of this plan.
    pub fn seat(&self, index: SeatIndex) -> &PlanSeat {
        &self.seats[index.get()]
    }

    /// The label of the seat at `index`.
    pub fn label(&self, index: SeatIndex) -> &str {
        &self.labels[index.get()]
    }

    /// The label of the seat at `index`, as priced seats carry it (a
    /// short label is copied, never allocated).
    pub(crate) fn small_label(&self, index: SeatIndex) -> SmolStr {
        self.labels[index.get()].clone()
    }

    /// All seats, indexed by [`SeatIndex`].
    pub fn seats(&self) -> &[PlanSeat] {
        &self.seats
    }

    /// All rows.
    pub fn rows(&self) -> &[PlanRow] {
        &self.rows
    }

    /// The index of seat `id`, if it belongs to this plan.
    pub fn index_of(&self, id: SeatId) -> Option<SeatIndex> {
        self.by_id.get(&id).copied()
    }

    /// Whether seats `a` and `b` sit side by side (same row, consecutive numbers).
    pub fn adjacent(&self, a: SeatIndex, b: SeatIndex) -> bool {
        let (sa, sb) = (self.seat(a), self.seat(b));
        sa.row == sb.row && sa.number.abs_diff(sb.number) == 1
    }

    /// The point best-available ranks seats against.
    pub fn sweet_spot(&self) -> Point {
        self.sweet_spot
    }
}

fn default_sweet_spot(seats: &[PlanSeat]) -> Point {
    let (mut min_x, mut max_x, mut min_y, mut max_y) = (f32::MAX, f32::MIN, f32::MAX, f32::MIN);
    for seat in seats {
        min_x = min_x.min(seat.position.x);
        max_x = max_x.max(seat.position.x);
        min_y = min_y.min(seat.position.y);
        max_y = max_y.max(seat.position.y);
    }
    Point::new((min_x + max_x) / 2.0, min_y + 0.6 * (max_y - min_y))
}

/// A hall (auditorium) of a venue with its checked seating.
#[derive(Debug, Clone, PartialEq)]
pub struct Hall {
    id: HallId,
    venue: VenueId,
    name: String,
    layout: Arc<Layout>,
    plan: Arc<SeatingPlan>,
}

impl Hall {
    /// Checks `layout` and builds the hall.
    pub fn new(
        id: HallId,
        venue: VenueId,
        name: impl Into<String>,
        layout: Layout,
    ) -> Result<Self, LayoutError> {
        let plan = SeatingPlan::new(&layout)?;
        Ok(Self {
            id,
            venue,
            name: name.into(),
            layout: Arc::new(layout),
            plan: Arc::new(plan),
        })
    }

    /// The hall's id.
    pub fn id(&self) -> HallId {
        self.id
    }

    /// The venue it belongs to.
    pub fn venue(&self) -> VenueId {
        self.venue
    }

    /// Display name, such as "Hall 3".
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The layout as drawn.
    pub fn layout(&self) -> &Arc<Layout> {
        &self.layout
    }

    /// The checked seat index.
    pub fn plan(&self) -> &Arc<SeatingPlan> {
        &self.plan
    }

    /// Number of seats.
    pub fn capacity(&self) -> usize {
        self.plan.len()
    }

    /// Refuses seats drawn on top of each other: centres closer than
    /// [`MIN_SEAT_SPACING`]. For new layouts from organizers; halls read
    /// back from a store are not held to it (older ones may not meet it).
    pub fn check_spacing(&self) -> Result<(), LayoutError> {
        let plan = &self.plan;
        let positions = (0..plan.len() as u32).map(|i| plan.seat(SeatIndex(i)).position);
        match super::spacing::first_overlap(positions) {
            None => Ok(()),
            Some((a, b)) => Err(LayoutError::OverlappingSeats {
                seat: plan.label(SeatIndex(a as u32)).to_owned(),
                other: plan.label(SeatIndex(b as u32)).to_owned(),
            }),
        }
    }
}

/// A rectangular block layout: `rows` rows of `seats_per_row` seats, all in one
/// price category `A` ("Standard") except the back `premium_rows` rows in `P`
/// ("Premium"), with the two middle seats of the front row accessible.
/// Seat ids derive from `name`, so the same name gives the same ids.
///
/// Handy for tests, examples and demo data.
pub fn grid_layout(name: &str, rows: u16, seats_per_row: u16, premium_rows: u16) -> Layout {
    let row_count = rows;
    let standard = CategoryCode("A".into());
    let premium = CategoryCode("P".into());
    let mut categories = vec![PriceCategory {
        code: standard.clone(),
        name: "Standard".to_owned(),
    }];
    if premium_rows > 0 {
        categories.push(PriceCategory {
            code: premium.clone(),
            name: "Premium".to_owned(),
        });
    }
    let rows = (0..row_count)
        .map(|r| {
            let row_label = row_label(r);
            let seats = (1..=seats_per_row)
                .map(|n| {
                    let label = format!("{row_label}{n}");
                    let middle = n == seats_per_row.div_ceil(2) || n == seats_per_row / 2 + 1;
                    Seat {
                        id: SeatId::from_name(&format!("{name}/{label}")),
                        number: n,
                        position: Point::new(f32::from(n) * 10.0, 30.0 + f32::from(r) * 10.0),
                        category: if r + premium_rows >= row_count {
                            premium.clone()
                        } else {
                            standard.clone()
                        },
                        flags: SeatFlags {
                            accessible: r == 0 && middle,
                            companion: false,
                            aisle: n == 1 || n == seats_per_row,
                        },
                        label,
                    }
                })
                .collect();
            Row {
                label: row_label,
                seats,
            }
        })
        .collect();
    Layout {
        stage: Stage {
            label: "Screen".to_owned(),
            origin: Point::new(10.0, 0.0),
            width: f32::from(seats_per_row.saturating_sub(1)) * 10.0,
            height: 8.0,
        },
        sweet_spot: None,
        categories,
        sections: vec![Section {
            name: "Stalls".to_owned(),
            rows,
        }],
    }
}

/// Row labels A..Z, then AA, AB, ...
fn row_label(index: u16) -> String {
    let mut n = usize::from(index);
    let mut label = Vec::new();
    loop {
        label.push(b'A' + (n % 26) as u8);
        if n < 26 {
            break;
        }
        n = n / 26 - 1;
    }
    label.reverse();
    String::from_utf8(label).unwrap_or_default()
}
