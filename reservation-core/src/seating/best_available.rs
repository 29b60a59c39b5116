//! Best-available seat selection with orphan-seat avoidance.
//!
//! See [`best_available`] for the documented choice and score.

use crate::catalog::{PlanSeat, SeatIndex, SeatingPlan};

/// Chooses the best `count` seats that are free and eligible, or `None` when
/// there are not that many.
///
/// A seat can be chosen only if `is_free(i)` (available now) **and**
/// `eligible(i)` (passes the caller's filter, such as a price category or
/// accessibility). Seats that are free but not eligible are never chosen, yet
/// they still count as free neighbours for the orphan rule below.
///
/// # Result
///
/// * `None` if and only if `count == 0` or fewer than `count` seats are free
///   and eligible.
/// * Otherwise exactly `count` distinct free, eligible seats. Enough seats
///   scattered over the hall always give a result. The seats of each block
///   (see below) are listed left to right (ascending index), blocks in the
///   order they were chosen.
///
/// # Blocks
///
/// A *block* of size `k` is `k` seats of one row with consecutive numbers
/// (each pair side by side, see [`SeatingPlan::adjacent`]), all free and
/// eligible. A gap in the numbering (an aisle) or a seat of another row
/// breaks a block.
///
/// # Orphans
///
/// Choosing a block *creates an orphan* when a seat side by side with the
/// block (the seat numbered one below its first seat, or one above its last
/// seat, in the same row) is free and that seat's other neighbour is not: the
/// other side is a taken seat, a gap in the numbering, or the end of the row.
/// Seats chosen for earlier blocks of the same call count as taken.
///
/// # Score
///
/// The score of a block is the Euclidean distance from the mean position of
/// its seats to a *target* point; lower is better. The target is the plan's
/// [`sweet_spot`](SeatingPlan::sweet_spot) for the first block (by default
/// the horizontal centre of the seats, 60% of the way from the front row to
/// the back row), which ranks both "near the centre" and "in the preferred
/// rows" with one number. Scores are computed in `f64` (compared squared,
/// which keeps their order); a tie is an exactly equal score.
///
/// Blocks of the same size are ordered by:
///
/// 1. orphans: every block that creates no orphan beats every block that
///    creates one (no single seat left);
/// 2. score, lowest first;
/// 3. the index of the block's first seat, lowest first.
///
/// # Choice
///
/// 1. If some row has a block of `count` seats, the result is the best such
///    block by the order above: one contiguous block in one row.
/// 2. Otherwise the seats are split into as few blocks as possible. Each step
///    takes the block size `k = min(longest block still available, seats
///    still needed)` and chooses the best block of size `k` by the order
///    above, except that for every block after the first the target is the
///    mean position of the seats already chosen (this keeps the group
///    together). Chosen seats are then taken, and the step repeats until
///    `count` seats are chosen. Every block but the last is therefore a whole
///    maximal run of free, eligible seats, and taking the longest run first
///    uses the fewest blocks.
///
/// # Cost
///
/// One pass over the seats, calling `is_free` and `eligible` about once per
/// seat plus a few calls per candidate block, and no allocation besides the
/// result when a block of `count` seats exists. Otherwise one more pass
/// collects the runs of free, eligible seats (one vector) and each further
/// block looks at every remaining run once: `O(seats + blocks × runs)`, with
/// at most `count` blocks.
pub fn best_available(
    plan: &SeatingPlan,
    count: usize,
    is_free: impl Fn(SeatIndex) -> bool,
    eligible: impl Fn(SeatIndex) -> bool,
) -> Option<Vec<SeatIndex>> {
    if count == 0 {
        return None;
    }
    let seats = plan.seats();
    let available = |i: usize| {
        let seat = to_index(i);
        is_free(seat) && eligible(seat)
    };
    let free = |i: usize| is_free(to_index(i));
    let sweet = plan.sweet_spot();
    let target = (f64::from(sweet.x), f64::from(sweet.y));

    // Pass 1: the best single block of `count` seats, counting seats on the way.
    let mut best: Option<Candidate> = None;
    let mut total = 0usize;
    for row in plan.rows() {
        let row = (row.start as usize, row.end as usize);
        for_each_run(seats, row, &available, |(start, end)| {
            total += end - start;
            let run = Run {
                row,
                start,
                end,
                used: false,
            };
            scan_run(seats, &run, count, target, &free, &mut best);
        });
    }
    if let Some(block) = best {
        return Some(block.seats().collect());
    }
    if total < count {
        return None;
    }
    split(plan, count, &available, &free, target)
}

/// No block of `count` seats: chooses the fewest blocks, longest first.
fn split(
    plan: &SeatingPlan,
    count: usize,
    available: &impl Fn(usize) -> bool,
    is_free: &impl Fn(usize) -> bool,
    sweet: (f64, f64),
) -> Option<Vec<SeatIndex>> {
    let seats = plan.seats();
    // Maximal runs of free, eligible seats, in index order.
    let mut runs: Vec<Run> = Vec::new();
    for row in plan.rows() {
        let row = (row.start as usize, row.end as usize);
        for_each_run(seats, row, available, |(start, end)| {
            runs.push(Run {
                row,
                start,
                end,
                used: false,
            });
        });
    }

    let mut chosen = Vec::with_capacity(count);
    let (mut sum_x, mut sum_y) = (0.0f64, 0.0f64);
    while chosen.len() < count {
        let needed = count - chosen.len();
        let longest = runs.iter().filter(|r| !r.used).map(Run::len).max()?;
        let size = longest.min(needed);
        let target = if chosen.is_empty() {
            sweet
        } else {
            let n = chosen.len() as f64;
            (sum_x / n, sum_y / n)
        };
        // Seats of earlier blocks are taken now.
        let free = |i: usize| is_free(i) && !in_used_run(&runs, i);
        let mut best: Option<Candidate> = None;
        let mut best_run = 0;
        for (r, run) in runs.iter().enumerate() {
            if !run.used && scan_run(seats, run, size, target, &free, &mut best) {
                best_run = r;
            }
        }
        let block = best?;
        // A block shorter than its run has `size < longest`, so `size ==
        // needed`: it is the last block and the rest of its run is never
        // looked at again. Marking the whole run used is then harmless.
        if let Some(run) = runs.get_mut(best_run) {
            run.used = true;
        }
        for seat in block.seats() {
            let position = plan.seat(seat).position;
            sum_x += f64::from(position.x);
            sum_y += f64::from(position.y);
            chosen.push(seat);
        }
    }
    Some(chosen)
}

/// A maximal run of free, eligible seats: indexes `start..end` of the row
/// whose seats are `row.0..row.1`.
#[derive(Debug, Clone, Copy)]
struct Run {
    row: (usize, usize),
    start: usize,
    end: usize,
    /// Chosen as a whole block.
    used: bool,
}

impl Run {
    fn len(&self) -> usize {
        self.end - self.start
    }
}

/// Whether seat `i` lies in a run already chosen. `runs` is in index order.
fn in_used_run(runs: &[Run], i: usize) -> bool {
    let after = runs.partition_point(|r| r.start <= i);
    after
        .checked_sub(1)
        .and_then(|k| runs.get(k))
        .is_some_and(|r| r.used && i < r.end)
}

/// A candidate block `start..start + len`.
#[derive(Debug, Clone, Copy)]
struct Candidate {
    orphan: bool,
    /// Squared score: same order as the distance, without the square root.
    distance2: f64,
    start: usize,
    len: usize,
}

impl Candidate {
    /// Strictly better than `other`. Candidates are offered in index order,
    /// so on a tie the earlier one (lower first index) stays.
    fn beats(&self, other: &Candidate) -> bool {
        (!self.orphan && other.orphan)
            || (self.orphan == other.orphan && self.distance2 < other.distance2)
    }

    fn seats(&self) -> impl Iterator<Item = SeatIndex> + use<> {
        (self.start..self.start + self.len).map(to_index)
    }
}

/// Slice index to seat index. Plans have at most `u32::MAX` seats.
fn to_index(i: usize) -> SeatIndex {
    SeatIndex(i as u32)
}

/// Whether seats `a` and `b` of one row sit side by side.
fn side_by_side(seats: &[PlanSeat], a: usize, b: usize) -> bool {
    seats[a].number.abs_diff(seats[b].number) == 1
}

/// Calls `f` with each maximal run `(start, end)` of available seats with
/// consecutive numbers in the row `row.0..row.1`.
fn for_each_run(
    seats: &[PlanSeat],
    (row_start, row_end): (usize, usize),
    available: &impl Fn(usize) -> bool,
    mut f: impl FnMut((usize, usize)),
) {
    let mut run_start = None;
    for i in row_start..row_end {
        if i > row_start
            && !side_by_side(seats, i - 1, i)
            && let Some(start) = run_start.take()
        {
            f((start, i));
        }
        if available(i) {
            run_start.get_or_insert(i);
        } else if let Some(start) = run_start.take() {
            f((start, i));
        }
    }
    if let Some(start) = run_start {
        f((start, row_end));
    }
}

/// Offers every block of `size` seats within `run` to `best`, scored against
/// `target`. Returns whether one of them became the best.
fn scan_run(
    seats: &[PlanSeat],
    run: &Run,
    size: usize,
    (target_x, target_y): (f64, f64),
    is_free: &impl Fn(usize) -> bool,
    best: &mut Option<Candidate>,
) -> bool {
    let (run_start, run_end) = (run.start, run.end);
    if size == 0 || run.len() < size {
        return false;
    }
    let mut improved = false;
    let x = |i: usize| f64::from(seats[i].position.x);
    let y = |i: usize| f64::from(seats[i].position.y);
    let (mut sum_x, mut sum_y) = (0.0f64, 0.0f64);
    for i in run_start..run_start + size {
        sum_x += x(i);
        sum_y += y(i);
    }
    let n = size as f64;
    let mut start = run_start;
    loop {
        let end = start + size;
        let distance2 = (sum_x / n - target_x).powi(2) + (sum_y / n - target_y).powi(2);
        // Skip the orphan test when even an orphan-free block would not win.
        let hopeless = best.is_some_and(|b| !b.orphan && distance2 >= b.distance2);
        if !hopeless {
            let candidate = Candidate {
                orphan: leaves_orphan(seats, run.row, start, end, is_free),
                distance2,
                start,
                len: size,
            };
            if best.is_none_or(|b| candidate.beats(&b)) {
                *best = Some(candidate);
                improved = true;
            }
        }
        if end == run_end {
            return improved;
        }
        sum_x += x(end) - x(start);
        sum_y += y(end) - y(start);
        start += 1;
    }
}

/// Whether choosing `start..end` in the row `row.0..row.1` leaves a free seat
/// next to it with no free seat on its other side.
fn leaves_orphan(
    seats: &[PlanSeat],
    (row_start, row_end): (usize, usize),
    start: usize,
    end: usize,
    is_free: &impl Fn(usize) -> bool,
) -> bool {
    let supported = |seat: usize, other: Option<usize>| {
        other.is_some_and(|o| side_by_side(seats, seat, o) && is_free(o))
    };
    let left = (start > row_start && side_by_side(seats, start - 1, start)).then(|| start - 1);
    let right = (end < row_end && side_by_side(seats, end - 1, end)).then_some(end);
    left.is_some_and(|l| is_free(l) && !supported(l, (l > row_start).then(|| l - 1)))
        || right.is_some_and(|r| is_free(r) && !supported(r, (r + 1 < row_end).then_some(r + 1)))
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;
    use proptest::test_runner::TestCaseError;

    use super::*;
    use crate::catalog::{
        CategoryCode, Hall, Layout, Point, PriceCategory, Row, Seat, SeatFlags, Section, Stage,
        grid_layout,
    };
    use crate::ids::{HallId, SeatId, VenueId};

    fn grid(rows: u16, seats_per_row: u16, premium_rows: u16) -> Arc<SeatingPlan> {
        let layout = grid_layout("h", rows, seats_per_row, premium_rows);
        let hall = Hall::new(HallId::random(), VenueId::random(), "h", layout).expect("grid");
        Arc::clone(hall.plan())
    }

    /// One section, one category; `rows[r]` lists the seat numbers of row `r`
    /// (empty rows are dropped by the plan). Seat `n` of row `r` is drawn at
    /// `(10 n, 30 + 10 r)`.
    fn rows_plan(rows: &[Vec<u16>], sweet_spot: Option<Point>) -> Arc<SeatingPlan> {
        let code = CategoryCode::parse("A").expect("code");
        let rows = rows
            .iter()
            .enumerate()
            .map(|(r, numbers)| Row {
                label: format!("R{r}"),
                seats: numbers
                    .iter()
                    .map(|&n| Seat {
                        id: SeatId::from_name(&format!("R{r}-{n}")),
                        label: format!("R{r}-{n}"),
                        number: n,
                        position: Point::new(f32::from(n) * 10.0, 30.0 + r as f32 * 10.0),
                        category: code.clone(),
                        flags: SeatFlags::default(),
                    })
                    .collect(),
            })
            .collect();
        let layout = Layout {
            stage: Stage {
                label: "Stage".to_owned(),
                origin: Point::new(0.0, 0.0),
                width: 100.0,
                height: 8.0,
            },
            sweet_spot,
            categories: vec![PriceCategory {
                code,
                name: "Standard".to_owned(),
            }],
            sections: vec![Section {
                name: "Stalls".to_owned(),
                rows,
            }],
        };
        let hall = Hall::new(HallId::random(), VenueId::random(), "h", layout).expect("layout");
        Arc::clone(hall.plan())
    }

    fn idx(indexes: &[u32]) -> Vec<SeatIndex> {
        indexes.iter().copied().map(SeatIndex).collect()
    }

    fn range(indexes: std::ops::Range<u32>) -> Vec<SeatIndex> {
        indexes.map(SeatIndex).collect()
    }

    fn all(_: SeatIndex) -> bool {
        true
    }

    /// Free except the listed indexes.
    fn taken(list: &'static [u32]) -> impl Fn(SeatIndex) -> bool + Copy {
        move |i| !list.contains(&i.0)
    }

    #[test]
    fn empty_hall_picks_middle_of_row_nearest_sweet_spot() {
        // 5 rows at y 30..=70, x 10..=100: sweet spot (55, 54), nearest row C
        // (y 50, indexes 20..30), seats C5-C6 (x 50, 60).
        let plan = grid(5, 10, 0);
        assert_eq!(plan.sweet_spot(), Point::new(55.0, 54.0));
        assert_eq!(best_available(&plan, 2, all, all), Some(idx(&[24, 25])));
        // Odd count: C4-C6 (mean x 50) and C5-C7 (mean x 60) tie; lower index wins.
        assert_eq!(best_available(&plan, 3, all, all), Some(idx(&[23, 24, 25])));
        // A whole row.
        assert_eq!(best_available(&plan, 10, all, all), Some(range(20..30)));
    }

    #[test]
    fn taken_seats_move_the_block() {
        // Row C seats 4-7 taken: C2-C3 (mean (25, 50), distance 30.3) loses to
        // D5-D6 (mean (55, 60), distance 6).
        let plan = grid(5, 10, 0);
        let free = taken(&[23, 24, 25, 26]);
        assert_eq!(best_available(&plan, 2, free, all), Some(idx(&[34, 35])));
    }

    #[test]
    fn respects_eligible_category() {
        // Rows D and E are premium (category 1); D (y 60) is nearest y 54.
        let plan = grid(5, 10, 2);
        let premium = |i: SeatIndex| plan.seat(i).category == 1;
        assert_eq!(best_available(&plan, 2, all, premium), Some(idx(&[34, 35])));
        // All 20 premium seats: row D, then row E; no more.
        assert_eq!(best_available(&plan, 20, all, premium), Some(range(30..50)));
        assert_eq!(best_available(&plan, 21, all, premium), None);
    }

    #[test]
    fn respects_eligible_accessible() {
        // Only A5 and A6 (indexes 4, 5) are accessible.
        let plan = grid(5, 10, 0);
        let accessible = |i: SeatIndex| plan.seat(i).flags.accessible;
        assert_eq!(
            best_available(&plan, 2, all, accessible),
            Some(idx(&[4, 5]))
        );
        // A5 (x 50) and A6 (x 60) tie around x 55: lower index wins.
        assert_eq!(best_available(&plan, 1, all, accessible), Some(idx(&[4])));
        assert_eq!(
            best_available(&plan, 1, taken(&[4]), accessible),
            Some(idx(&[5]))
        );
        assert_eq!(best_available(&plan, 3, all, accessible), None);
        assert_eq!(best_available(&plan, 2, taken(&[5]), accessible), None);
    }

    #[test]
    fn avoids_leaving_an_orphan() {
        // One row of 10 (indexes 0-9 = seats 1-10), sweet spot x 55.
        let plan = grid(1, 10, 0);
        assert_eq!(best_available(&plan, 2, all, all), Some(idx(&[4, 5])));
        // Seat 3 taken: the centre block 5-6 (distance 0) would leave seat 4
        // alone against it. 4-5 and 6-7 (distance 10) leave no orphan and tie:
        // lower index wins.
        assert_eq!(
            best_available(&plan, 2, taken(&[2]), all),
            Some(idx(&[3, 4]))
        );
        // Seat 8 taken: 5-6 would leave seat 7 alone. 4-5 wins the tie with 6-7.
        assert_eq!(
            best_available(&plan, 2, taken(&[7]), all),
            Some(idx(&[3, 4]))
        );
        // Seats 3 and 9 taken: 5-6 orphans 4 and 6-7 orphans 8; 4-5 is clean.
        assert_eq!(
            best_available(&plan, 2, taken(&[2, 8]), all),
            Some(idx(&[3, 4]))
        );
        // Seats 4 and 7 taken, one seat: 5 or 6 (distance 5) would orphan the
        // other. Seats 3 and 8 (distance 25) orphan nothing and tie: seat 3.
        // (Seat 2 would orphan seat 1 at the row end.)
        assert_eq!(
            best_available(&plan, 1, taken(&[3, 6]), all),
            Some(idx(&[2]))
        );
    }

    #[test]
    fn returns_an_orphaning_block_when_every_block_orphans() {
        // Row of 4, seat 1 taken, sweet spot x 25. 2-3 (distance 0) leaves seat
        // 4 alone at the row end; 3-4 (distance 10) leaves seat 2 next to
        // taken seat 1. Both orphan: the nearer one is chosen.
        let plan = grid(1, 4, 0);
        assert_eq!(
            best_available(&plan, 2, taken(&[0]), all),
            Some(idx(&[1, 2]))
        );
        // Row of 10 empty, 9 seats: 1-9 and 2-10 both leave one seat at an
        // end, tie at distance 5: lower index.
        let plan = grid(1, 10, 0);
        assert_eq!(best_available(&plan, 9, all, all), Some(range(0..9)));
    }

    #[test]
    fn free_ineligible_seats_count_as_neighbours() {
        // Row of 10, sweet spot x 55, seats 1-4 (indexes 0-3) not eligible.
        let plan = grid(1, 10, 0);
        let from_5 = |i: SeatIndex| i.0 >= 4;
        // 5-6: its neighbour 4 is free (though ineligible) and so is 3: no orphan.
        assert_eq!(best_available(&plan, 2, all, from_5), Some(idx(&[4, 5])));
        // Seat 3 taken: 5-6 would leave seat 4 alone, so 6-7 (distance 10).
        assert_eq!(
            best_available(&plan, 2, taken(&[2]), from_5),
            Some(idx(&[5, 6]))
        );
    }

    #[test]
    fn numbering_gap_breaks_adjacency() {
        // Seats 1-4 | aisle | 6-9 (indexes 0-3, 4-7), sweet spot x 50. Seats 4
        // and 6 would be centred but are not side by side: 3-4 and 6-7 (both
        // distance 15) tie and 3-4 wins.
        let plan = rows_plan(
            &[vec![1, 2, 3, 4, 6, 7, 8, 9]],
            Some(Point::new(50.0, 30.0)),
        );
        assert!(!plan.adjacent(SeatIndex(3), SeatIndex(4)));
        assert_eq!(best_available(&plan, 2, all, all), Some(idx(&[2, 3])));
        // Five seats: no block of 5 across the aisle. 1-4 (tie with 6-9), then
        // the seat nearest their mean x 25: seat 6.
        assert_eq!(best_available(&plan, 5, all, all), Some(range(0..5)));
        // Seats 1-4 taken: 6-9 is a whole block of 4.
        assert_eq!(
            best_available(&plan, 4, taken(&[0, 1, 2, 3]), all),
            Some(range(4..8))
        );
    }

    #[test]
    fn numbering_gap_is_a_wall_for_the_orphan_rule() {
        // Seats 1-3 | aisle | 5-10 (indexes 0-2, 3-8), sweet spot x 25. 2-3
        // (distance 0) leaves seat 1 at the row end; 1-2 (distance 10) leaves
        // seat 3 against the aisle. 5-6 (distance 30) leaves no orphan.
        let plan = rows_plan(
            &[vec![1, 2, 3, 5, 6, 7, 8, 9, 10]],
            Some(Point::new(25.0, 30.0)),
        );
        assert_eq!(best_available(&plan, 2, all, all), Some(idx(&[3, 4])));
    }

    #[test]
    fn splits_when_no_row_has_a_block() {
        // 3 rows x 6, sweet spot (35, 42). Row A taken, B4 and C3 taken: runs
        // B1-B3, B5-B6, C1-C2, C4-C6; no run of 4.
        // Block of 3: B1-B3 (mean (20, 40), distance² 229) beats C4-C6 (289).
        // Then one seat near (20, 40): C2 (20, 50) is nearest but would leave
        // C1 alone, as would C1, B5, B6 and C5. C4 (distance² 500) and C6
        // (1700) leave no orphan: C4.
        let plan = grid(3, 6, 0);
        assert_eq!(plan.sweet_spot(), Point::new(35.0, 42.0));
        let free = taken(&[0, 1, 2, 3, 4, 5, 9, 14]);
        assert_eq!(
            best_available(&plan, 4, free, all),
            Some(idx(&[6, 7, 8, 15]))
        );
    }

    #[test]
    fn split_uses_fewest_blocks_and_keeps_the_group_together() {
        // 2 rows x 10, sweet spot (55, 36). Free: A1, A3, A5, A7, A9 and
        // B1-B2, B9-B10. Five seats: 2 + 2 + 1.
        // B1-B2 and B9-B10 tie (distance² 1616): B1-B2. Then B9-B10, the only
        // block of 2 left. Then one seat near the mean of the four, (55, 40):
        // A5 (distance² 125).
        let plan = grid(2, 10, 0);
        let free = |i: SeatIndex| match i.0 {
            0..10 => i.0.is_multiple_of(2),
            10 | 11 | 18 | 19 => true,
            _ => false,
        };
        assert_eq!(
            best_available(&plan, 5, free, all),
            Some(idx(&[10, 11, 18, 19, 4]))
        );
    }

    #[test]
    fn split_counts_earlier_blocks_as_taken() {
        // Seats 1-7, sweet spot x 40; seat 4 free but not eligible: runs 1-3
        // and 5-7. Four seats: 1-3 (ties 5-7 at distance 20, lower index),
        // then one seat near x 20. Seat 5 would leave seat 4 between chosen
        // seat 3 and itself; seat 6 would leave seat 7 at the row end; seat 7
        // leaves no orphan.
        let plan = rows_plan(&[vec![1, 2, 3, 4, 5, 6, 7]], Some(Point::new(40.0, 30.0)));
        let eligible = |i: SeatIndex| i.0 != 3;
        assert_eq!(
            best_available(&plan, 4, all, eligible),
            Some(idx(&[0, 1, 2, 6]))
        );
    }

    #[test]
    fn scattered_single_seats_still_fill_the_request() {
        // Checkerboard of free seats: no two side by side.
        let plan = grid(4, 8, 0);
        let free = |i: SeatIndex| (i.0 / 8 + i.0 % 8).is_multiple_of(2);
        let got = best_available(&plan, 10, free, all).expect("16 free seats");
        assert_eq!(got.len(), 10);
        assert!(got.iter().all(|&i| free(i)));
        let mut distinct = got.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 10);
        let mut every = best_available(&plan, 16, free, all).expect("16 free seats");
        every.sort();
        let expected: Vec<SeatIndex> = (0..32).map(SeatIndex).filter(|&i| free(i)).collect();
        assert_eq!(every, expected);
        assert_eq!(best_available(&plan, 17, free, all), None);
    }

    #[test]
    fn none_for_zero_or_too_few() {
        let plan = grid(2, 3, 0);
        assert_eq!(best_available(&plan, 0, all, all), None);
        assert_eq!(best_available(&plan, 7, all, all), None);
        // Two blocks: row B (y 40) is nearer the sweet spot (y 36) than row A.
        assert_eq!(
            best_available(&plan, 6, all, all),
            Some(idx(&[3, 4, 5, 0, 1, 2]))
        );
        assert_eq!(best_available(&plan, 1, |_| false, all), None);
        assert_eq!(best_available(&plan, 1, all, |_| false), None);
        // Three free, four eligible, one both.
        let free = |i: SeatIndex| i.0 < 3;
        let eligible = |i: SeatIndex| i.0 >= 2;
        assert_eq!(best_available(&plan, 2, free, eligible), None);
        assert_eq!(best_available(&plan, 1, free, eligible), Some(idx(&[2])));
    }

    #[test]
    fn large_hall_takes_the_next_row_when_the_best_is_full() {
        // 200 rows x 400 = 80,000 seats. Sweet spot (2005, 1224): row 119
        // (y 1220) is nearest, then row 120 (y 1230).
        let plan = grid(200, 400, 0);
        assert_eq!(plan.sweet_spot(), Point::new(2005.0, 1224.0));
        let free = |i: SeatIndex| !(119 * 400..120 * 400).contains(&i.0);
        let started = std::time::Instant::now();
        let got = best_available(&plan, 4, free, all);
        let elapsed = started.elapsed();
        // Row 120, seats 199-202 (mean x 2005).
        let first = 120 * 400 + 198;
        assert_eq!(got, Some(range(first..first + 4)));
        eprintln!("best_available, 80,000 seats: {elapsed:?}");
    }

    /// The documented order, by brute force over every window of `count` seats.
    fn brute_force_block(
        plan: &SeatingPlan,
        count: usize,
        free: &dyn Fn(SeatIndex) -> bool,
        eligible: &dyn Fn(SeatIndex) -> bool,
    ) -> Option<Vec<SeatIndex>> {
        let sweet = plan.sweet_spot();
        let mut best: Option<(bool, f64, Vec<SeatIndex>)> = None;
        for row in plan.rows() {
            let row_seats: Vec<SeatIndex> = row.seats().collect();
            let at = |k: Option<usize>| k.and_then(|k| row_seats.get(k)).copied();
            for (first, window) in row_seats.windows(count).enumerate() {
                let ok = window.iter().all(|&i| free(i) && eligible(i))
                    && window.windows(2).all(|p| plan.adjacent(p[0], p[1]));
                if !ok {
                    continue;
                }
                let n = count as f64;
                let mean_x: f64 = window
                    .iter()
                    .map(|&i| f64::from(plan.seat(i).position.x))
                    .sum();
                let mean_y: f64 = window
                    .iter()
                    .map(|&i| f64::from(plan.seat(i).position.y))
                    .sum();
                let d2 = (mean_x / n - f64::from(sweet.x)).powi(2)
                    + (mean_y / n - f64::from(sweet.y)).powi(2);
                // `edge` is a seat of the block, `next` the seat beside it
                // outside the block, `beyond` the seat after that.
                let alone =
                    |edge: SeatIndex, next: Option<SeatIndex>, beyond: Option<SeatIndex>| {
                        next.is_some_and(|next| {
                            plan.adjacent(edge, next)
                                && free(next)
                                && !beyond.is_some_and(|b| plan.adjacent(next, b) && free(b))
                        })
                    };
                let last = first + count - 1;
                let orphan = alone(
                    window[0],
                    at(first.checked_sub(1)),
                    at(first.checked_sub(2)),
                ) || alone(window[count - 1], at(Some(last + 1)), at(Some(last + 2)));
                let better = best
                    .as_ref()
                    .is_none_or(|(o, d, _)| (!orphan && *o) || (orphan == *o && d2 < *d));
                if better {
                    best = Some((orphan, d2, window.to_vec()));
                }
            }
        }
        best.map(|(_, _, seats)| seats)
    }

    /// Lengths of the maximal runs of seats passing `ok`, side by side.
    fn run_lengths(plan: &SeatingPlan, ok: &dyn Fn(SeatIndex) -> bool) -> Vec<usize> {
        let mut runs = Vec::new();
        for row in plan.rows() {
            let mut run = 0usize;
            let mut prev: Option<SeatIndex> = None;
            for i in row.seats() {
                if ok(i) && prev.is_some_and(|p| ok(p) && plan.adjacent(p, i)) {
                    run += 1;
                } else {
                    if run > 0 {
                        runs.push(run);
                    }
                    run = usize::from(ok(i));
                }
                prev = Some(i);
            }
            if run > 0 {
                runs.push(run);
            }
        }
        runs
    }

    /// Every documented property of one call.
    fn check(
        plan: &SeatingPlan,
        count: usize,
        free: &dyn Fn(SeatIndex) -> bool,
        eligible: &dyn Fn(SeatIndex) -> bool,
    ) -> Result<(), TestCaseError> {
        let ok = |i: SeatIndex| free(i) && eligible(i);
        let available = (0..plan.len() as u32)
            .map(SeatIndex)
            .filter(|&i| ok(i))
            .count();
        let got = best_available(plan, count, free, eligible);
        prop_assert_eq!(got.is_none(), available < count);
        let Some(got) = got else { return Ok(()) };
        prop_assert_eq!(got.len(), count);
        prop_assert!(got.iter().all(|&i| i.get() < plan.len() && ok(i)));
        let mut distinct = got.clone();
        distinct.sort();
        distinct.dedup();
        prop_assert_eq!(distinct.len(), count);

        let mut runs = run_lengths(plan, &ok);
        if runs.iter().any(|&r| r >= count) {
            // One contiguous block in one row, and the best one.
            prop_assert!(
                got.windows(2)
                    .all(|p| plan.adjacent(p[0], p[1]) && p[1].0 == p[0].0 + 1)
            );
            prop_assert_eq!(Some(got), brute_force_block(plan, count, free, eligible));
        } else {
            // As few blocks as possible: the longest runs cover `count`.
            runs.sort_unstable_by(|a, b| b.cmp(a));
            let mut covered = 0;
            let fewest = runs
                .iter()
                .take_while(|&&r| {
                    let before = covered;
                    covered += r;
                    before < count
                })
                .count();
            let blocks = 1 + got
                .windows(2)
                .filter(|p| !plan.adjacent(p[0], p[1]))
                .count();
            prop_assert_eq!(blocks, fewest);
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        #[test]
        fn prop_grid_result_is_valid_and_contiguous_when_possible(
            rows in 1u16..=8,
            seats_per_row in 1u16..=12,
            free_mask in proptest::collection::vec(any::<bool>(), 96),
            eligible_mask in proptest::collection::vec(proptest::bool::weighted(0.8), 96),
            count in 1usize..=10,
        ) {
            let plan = grid(rows, seats_per_row, 0);
            check(&plan, count, &|i| free_mask[i.get()], &|i| eligible_mask[i.get()])?;
        }

        #[test]
        fn prop_aisles_and_sweet_spot_anywhere(
            present in proptest::collection::vec(proptest::collection::vec(proptest::bool::weighted(0.85), 12), 1..=8),
            sweet in proptest::option::of((0u16..=130, 0u16..=120)),
            free_mask in proptest::collection::vec(proptest::bool::weighted(0.7), 96),
            eligible_mask in proptest::collection::vec(proptest::bool::weighted(0.85), 96),
            count in 1usize..=10,
        ) {
            let mut rows: Vec<Vec<u16>> = present
                .iter()
                .map(|row| (1..=12).filter(|&n| row[usize::from(n) - 1]).collect())
                .collect();
            if rows.iter().all(Vec::is_empty) {
                rows[0].push(1);
            }
            let sweet = sweet.map(|(x, y)| Point::new(f32::from(x), f32::from(y)));
            let plan = rows_plan(&rows, sweet);
            check(&plan, count, &|i| free_mask[i.get()], &|i| eligible_mask[i.get()])?;
        }
    }
}
