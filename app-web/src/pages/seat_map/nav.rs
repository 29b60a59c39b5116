//! Where the arrow keys lead on the seat map: seats by row, left to right,
//! rows in the hall's order (the stage side first), sections in order.

/// What a key asks for on the map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Move {
    /// ArrowLeft: the seat to the left.
    Left,
    /// ArrowRight: the seat to the right.
    Right,
    /// ArrowUp: the nearest seat (by x) one row towards the stage.
    Up,
    /// ArrowDown: the nearest seat (by x) one row back.
    Down,
    /// Home: the row's first seat.
    RowStart,
    /// End: the row's last seat.
    RowEnd,
    /// PageUp: the first row of the section before.
    PrevSection,
    /// PageDown: the first row of the section after.
    NextSection,
}

impl Move {
    /// The move of a `KeyboardEvent.key`, if it is one.
    pub(super) fn from_key(key: &str) -> Option<Self> {
        Some(match key {
            "ArrowLeft" => Self::Left,
            "ArrowRight" => Self::Right,
            "ArrowUp" => Self::Up,
            "ArrowDown" => Self::Down,
            "Home" => Self::RowStart,
            "End" => Self::RowEnd,
            "PageUp" => Self::PrevSection,
            "PageDown" => Self::NextSection,
            _ => return None,
        })
    }
}

/// Where a seat sits, as far as moving goes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Spot {
    /// The row's place in the hall's order (unique across sections).
    pub(super) row: u32,
    /// The section's place in the hall's order.
    pub(super) section: u32,
    /// Horizontal position.
    pub(super) x: f32,
}

/// One row: its section and its seats (indexes into the spots), by x.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Row {
    /// The row's key ([`Spot::row`]).
    pub(super) key: u32,
    /// The section's place in the hall's order.
    pub(super) section: u32,
    /// Seat indexes with their x, left to right.
    pub(super) seats: Vec<(usize, f32)>,
}

/// The seats as rows, and each seat's row and place in it.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Nav {
    rows: Vec<Row>,
    at: Vec<(usize, usize)>,
}

impl Nav {
    /// Rows of `spots`, in row order, each left to right.
    pub(super) fn new(spots: &[Spot]) -> Self {
        let mut order: Vec<usize> = (0..spots.len()).collect();
        order.sort_by(|&a, &b| {
            (spots[a].row, spots[a].x)
                .partial_cmp(&(spots[b].row, spots[b].x))
                .unwrap_or(std::cmp::Ordering::Equal)
        });
        let mut rows: Vec<Row> = Vec::new();
        let mut at = vec![(0, 0); spots.len()];
        for i in order {
            let spot = spots[i];
            if rows.last().is_none_or(|r| r.key != spot.row) {
                rows.push(Row {
                    key: spot.row,
                    section: spot.section,
                    seats: Vec::new(),
                });
            }
            let r = rows.len() - 1;
            at[i] = (r, rows[r].seats.len());
            rows[r].seats.push((i, spot.x));
        }
        Self { rows, at }
    }

    /// The rows, in order.
    pub(super) fn rows(&self) -> &[Row] {
        &self.rows
    }

    /// Seat indexes in reading order: row by row, left to right.
    pub(super) fn order(&self) -> impl Iterator<Item = usize> + '_ {
        self.rows.iter().flat_map(|r| r.seats.iter().map(|s| s.0))
    }

    /// The seat `how` leads to from seat `from` (`from` itself at an edge,
    /// or when `from` is no seat of the map).
    pub(super) fn step(&self, from: usize, how: Move) -> usize {
        let Some(&(r, place)) = self.at.get(from) else {
            return from;
        };
        let row = &self.rows[r];
        let x = row.seats[place].1;
        let last = row.seats.len() - 1;
        let target = match how {
            Move::Left => Some((r, place.saturating_sub(1))),
            Move::Right => Some((r, (place + 1).min(last))),
            Move::RowStart => Some((r, 0)),
            Move::RowEnd => Some((r, last)),
            Move::Up => r.checked_sub(1).map(|to| (to, self.nearest(to, x))),
            Move::Down => (r + 1 < self.rows.len()).then(|| (r + 1, self.nearest(r + 1, x))),
            Move::PrevSection => self.rows[..r]
                .iter()
                .rposition(|o| o.section != row.section)
                .map(|end| self.section_start(end))
                .map(|to| (to, self.nearest(to, x))),
            Move::NextSection => self.rows[r + 1..]
                .iter()
                .position(|o| o.section != row.section)
                .map(|k| (r + 1 + k, self.nearest(r + 1 + k, x))),
        };
        target.map_or(from, |(r, place)| self.rows[r].seats[place].0)
    }

    /// The place in row `r` of the seat nearest to `x`.
    fn nearest(&self, r: usize, x: f32) -> usize {
        let seats = &self.rows[r].seats;
        (0..seats.len())
            .min_by(|&a, &b| (seats[a].1 - x).abs().total_cmp(&(seats[b].1 - x).abs()))
            .unwrap_or(0)
    }

    /// The first row of the section row `r` belongs to.
    fn section_start(&self, r: usize) -> usize {
        let section = self.rows[r].section;
        self.rows[..r]
            .iter()
            .rposition(|o| o.section != section)
            .map_or(0, |before| before + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Two sections: rows 0 and 1 (3 seats each, x 0, 10, 20; row 1
    /// shifted by 4), row 2 in section 1 (2 seats at x 0 and 30).
    fn nav() -> Nav {
        let mut spots = Vec::new();
        for row in 0..2 {
            // Right to left, to check the sorting by x.
            for x in [20.0, 10.0, 0.0] {
                spots.push(Spot {
                    row,
                    section: 0,
                    x: x + 4.0 * row as f32,
                });
            }
        }
        for x in [0.0, 30.0] {
            spots.push(Spot {
                row: 2,
                section: 1,
                x,
            });
        }
        Nav::new(&spots)
    }

    #[test]
    fn arrows_move_along_and_between_rows() {
        let nav = nav();
        // Seat 2 is row 0's leftmost (x 0).
        assert_eq!(
            nav.order().collect::<Vec<_>>(),
            vec![2, 1, 0, 5, 4, 3, 6, 7]
        );
        assert_eq!(nav.step(2, Move::Right), 1);
        assert_eq!(nav.step(2, Move::Left), 2, "stays at the row's start");
        assert_eq!(nav.step(0, Move::Right), 0, "stays at the row's end");
        assert_eq!(nav.step(1, Move::Down), 4, "x 10 is nearest x 14");
        assert_eq!(nav.step(4, Move::Up), 1);
        assert_eq!(nav.step(2, Move::Up), 2, "no row before the first");
        assert_eq!(nav.step(3, Move::Down), 7, "x 24 is nearest x 30");
        assert_eq!(nav.step(7, Move::Down), 7, "no row after the last");
        assert_eq!(nav.step(1, Move::RowStart), 2);
        assert_eq!(nav.step(1, Move::RowEnd), 0);
    }

    #[test]
    fn page_keys_move_between_sections() {
        let nav = nav();
        assert_eq!(nav.step(4, Move::NextSection), 6);
        assert_eq!(nav.step(7, Move::PrevSection), 0, "section 0's first row");
        assert_eq!(nav.step(6, Move::PrevSection), 2);
        assert_eq!(nav.step(1, Move::PrevSection), 1, "no section before");
        assert_eq!(nav.step(6, Move::NextSection), 6, "no section after");
        assert_eq!(nav.step(99, Move::Right), 99, "not a seat: nowhere");
    }

    #[test]
    fn keys_name_their_moves() {
        assert_eq!(Move::from_key("ArrowDown"), Some(Move::Down));
        assert_eq!(Move::from_key("PageDown"), Some(Move::NextSection));
        assert_eq!(Move::from_key("a"), None);
    }
}
