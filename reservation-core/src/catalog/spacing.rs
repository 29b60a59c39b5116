//! Seats drawn on top of each other: a layout is refused when two seat
//! centres are closer than [`MIN_SEAT_SPACING`]. Checked with a grid of
//! cells one spacing wide, so an 80,000-seat arena costs one pass, not a
//! comparison of every pair.

use std::collections::HashMap;

use super::layout::Point;

/// Closest two seat centres may be, in layout units: pages draw a seat as a
/// circle of radius 3.8 units, so centres closer than two radii overlap on
/// the seat map. (The generated halls space seats 8 to 11 units apart.)
pub const MIN_SEAT_SPACING: f32 = 7.6;

/// The first pair of positions (by index, in the order given) closer than
/// [`MIN_SEAT_SPACING`].
pub(crate) fn first_overlap(positions: impl Iterator<Item = Point>) -> Option<(usize, usize)> {
    let cell = |p: Point| {
        (
            (p.x / MIN_SEAT_SPACING).floor() as i64,
            (p.y / MIN_SEAT_SPACING).floor() as i64,
        )
    };
    let mut grid: HashMap<(i64, i64), Vec<(usize, Point)>> = HashMap::new();
    for (i, p) in positions.enumerate() {
        let (cx, cy) = cell(p);
        for dx in -1..=1 {
            for dy in -1..=1 {
                let near = grid.get(&(cx + dx, cy + dy)).into_iter().flatten();
                for &(j, q) in near {
                    if (p.x - q.x).hypot(p.y - q.y) < MIN_SEAT_SPACING {
                        return Some((j, i));
                    }
                }
            }
        }
        grid.entry((cx, cy)).or_default().push((i, p));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_seats_closer_than_the_spacing_and_only_those() {
        let row = |xs: &[f32]| xs.iter().map(|&x| Point::new(x, 0.0)).collect::<Vec<_>>();
        assert_eq!(first_overlap(row(&[0.0, 10.0, 20.0]).into_iter()), None);
        assert_eq!(first_overlap(row(&[0.0, 7.6, 15.2]).into_iter()), None);
        assert_eq!(
            first_overlap(row(&[0.0, 10.0, 17.0]).into_iter()),
            Some((1, 2))
        );
        // Across a cell boundary, diagonally.
        let diagonal = [Point::new(7.5, 7.5), Point::new(11.0, 11.0)];
        assert_eq!(first_overlap(diagonal.into_iter()), Some((0, 1)));
        assert_eq!(
            first_overlap([Point::new(-3.0, 5.0), Point::new(-3.0, 5.0)].into_iter()),
            Some((0, 1))
        );
    }
}
