//! A layered layout in swim lanes: each group (entry, compute, messaging, data, security,
//! observability) is a horizontal lane, each node sits in the column of its rank along the
//! data flow (longest path from the sources, cycles broken), nodes of one cell are ordered
//! to shorten edges (barycenter sweeps), and edges are cubic curves between ports spread
//! along the node sides, with their labels placed where they overlap nothing.

use crate::components::Role;
use crate::graph::{FlowGraph, Style};
use std::collections::{BTreeMap, BTreeSet};

pub const NODE_WIDTH: f64 = 176.0;
pub const NODE_HEIGHT: f64 = 46.0;
const COLUMN_GAP: f64 = 88.0;
const NODE_GAP: f64 = 14.0;
const LANE_TITLE: f64 = 26.0;
const LANE_PADDING: f64 = 14.0;
const LANE_GAP: f64 = 10.0;
const MARGIN: f64 = 16.0;
const LANE_LABEL_WIDTH: f64 = 4.0;
/// Approximate advance of a 10 px label character.
const LABEL_CHAR: f64 = 5.9;
const LABEL_HEIGHT: f64 = 14.0;

/// The side of a node an edge leaves or arrives on.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Side {
    Right,
    Left,
    Top,
    Bottom,
}

/// A rectangle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    fn overlaps(&self, o: &Rect) -> bool {
        self.x < o.x + o.w && o.x < self.x + self.w && self.y < o.y + o.h && o.y < self.y + self.h
    }
}

/// A placed lane.
#[derive(Clone, Debug)]
pub struct Lane {
    pub role: Role,
    pub rect: Rect,
}

/// A placed node (index into the graph's nodes).
#[derive(Clone, Debug)]
pub struct PlacedNode {
    pub index: usize,
    pub rect: Rect,
}

/// A routed edge: a cubic Bézier curve and, when shown, its label's centre.
#[derive(Clone, Debug)]
pub struct PlacedEdge {
    pub index: usize,
    /// Start, two control points, end.
    pub curve: [(f64, f64); 4],
    /// For a bundle of edges from one column into one node: the x of the vertical line
    /// they share; the edge is then drawn start → (bus, start.y) → (bus, end.y) → end.
    pub bus: Option<f64>,
    pub label: Option<(f64, f64)>,
    pub style: Style,
}

impl PlacedEdge {
    /// A point along the edge: on a bus route, `t` below 0.5 runs down the shared line and
    /// above 0.5 along the last stretch into the node.
    pub fn point(&self, t: f64) -> (f64, f64) {
        match self.bus {
            None => point_at(&self.curve, t),
            Some(x) => {
                let (p0, p3) = (self.curve[0], self.curve[3]);
                if t < 0.5 {
                    (x, p0.1 + (p3.1 - p0.1) * t * 2.0)
                } else {
                    (x + (p3.0 - x) * (t - 0.5) * 2.0, p3.1)
                }
            }
        }
    }
}

/// The whole drawing.
#[derive(Clone, Debug)]
pub struct Layout {
    pub width: f64,
    pub height: f64,
    pub lanes: Vec<Lane>,
    pub nodes: Vec<PlacedNode>,
    pub edges: Vec<PlacedEdge>,
}

/// Ranks along the flow: longest path from the sources over the graph with its back edges
/// (found by a depth-first search in node order) reversed; sources pulled next to their
/// first successor.
fn ranks(n: usize, edges: &[(usize, usize)]) -> Vec<Option<usize>> {
    let mut out: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in edges {
        if a != b && !out[a].contains(&b) {
            out[a].push(b);
        }
    }
    // Depth-first search, iteratively: back edges point at a node on the stack.
    let mut state = vec![0u8; n]; // 0 new, 1 on stack, 2 done
    let mut forward: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if state[root] != 0 {
            continue;
        }
        let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
        state[root] = 1;
        while let Some(&mut (v, ref mut i)) = stack.last_mut() {
            if *i < out[v].len() {
                let w = out[v][*i];
                *i += 1;
                match state[w] {
                    0 => {
                        forward.push((v, w));
                        state[w] = 1;
                        stack.push((w, 0));
                    }
                    1 => forward.push((w, v)), // a back edge, reversed
                    _ => forward.push((v, w)),
                }
            } else {
                state[v] = 2;
                stack.pop();
            }
        }
    }
    let mut preds: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut succs: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &forward {
        if !succs[a].contains(&b) {
            succs[a].push(b);
            preds[b].push(a);
        }
    }
    let connected: Vec<bool> = (0..n)
        .map(|v| !preds[v].is_empty() || !succs[v].is_empty())
        .collect();
    // Longest path in topological order (Kahn).
    let mut indegree: Vec<usize> = preds.iter().map(Vec::len).collect();
    let mut queue: Vec<usize> = (0..n).filter(|v| indegree[*v] == 0).collect();
    let mut rank = vec![0usize; n];
    let mut order = Vec::new();
    let mut head = 0;
    while head < queue.len() {
        let v = queue[head];
        head += 1;
        order.push(v);
        for &w in &succs[v] {
            rank[w] = rank[w].max(rank[v] + 1);
            indegree[w] -= 1;
            if indegree[w] == 0 {
                queue.push(w);
            }
        }
    }
    // Sources sit just before their nearest successor.
    for &v in order.iter().rev() {
        if preds[v].is_empty() && !succs[v].is_empty() {
            let nearest = succs[v].iter().map(|w| rank[*w]).min().unwrap_or(1);
            rank[v] = nearest.saturating_sub(1);
        }
    }
    (0..n).map(|v| connected[v].then_some(rank[v])).collect()
}

/// Lays the graph out.
pub fn layout(graph: &FlowGraph) -> Layout {
    let n = graph.nodes.len();
    let index: BTreeMap<&str, usize> = graph
        .nodes
        .iter()
        .enumerate()
        .map(|(i, node)| (node.id.as_str(), i))
        .collect();
    let edge_pairs: Vec<(usize, usize)> = graph
        .edges
        .iter()
        .filter_map(|e| Some((*index.get(e.from.as_str())?, *index.get(e.to.as_str())?)))
        .collect();
    let ranked = ranks(n, &edge_pairs);
    let lanes: Vec<Role> = Role::ALL
        .into_iter()
        .filter(|r| graph.nodes.iter().any(|node| node.role == *r))
        .collect();
    let lane_of = |i: usize| {
        lanes
            .iter()
            .position(|r| *r == graph.nodes[i].role)
            .unwrap_or(0)
    };

    // Columns used by connected nodes, compacted.
    let used: BTreeSet<usize> = ranked.iter().flatten().copied().collect();
    let column_of_rank: BTreeMap<usize, usize> =
        used.iter().enumerate().map(|(c, r)| (*r, c)).collect();
    let mut columns = used.len().max(1);
    let mut cells: BTreeMap<(usize, usize), Vec<usize>> = BTreeMap::new();
    for (i, r) in ranked.iter().enumerate() {
        if let Some(r) = r {
            cells
                .entry((lane_of(i), column_of_rank[r]))
                .or_default()
                .push(i);
        }
    }
    // Unconnected nodes fill the free cells of their lane from the left, then stack.
    for i in (0..n).filter(|i| ranked[*i].is_none()) {
        let lane = lane_of(i);
        let free = (0..columns).find(|c| !cells.contains_key(&(lane, *c)));
        let column = match free {
            Some(c) => c,
            None => {
                let fewest = (0..columns)
                    .min_by_key(|c| cells.get(&(lane, *c)).map(Vec::len).unwrap_or(0))
                    .unwrap_or(0);
                if cells.get(&(lane, fewest)).map(Vec::len).unwrap_or(0) >= 3 {
                    columns += 1;
                    columns - 1
                } else {
                    fewest
                }
            }
        };
        cells.entry((lane, column)).or_default().push(i);
    }

    // Order within cells: barycenter of neighbours' positions, a few sweeps.
    let mut neighbours: Vec<Vec<usize>> = vec![Vec::new(); n];
    for &(a, b) in &edge_pairs {
        if a != b {
            neighbours[a].push(b);
            neighbours[b].push(a);
        }
    }
    let lane_count = lanes.len();
    for _ in 0..8 {
        let positions = vertical_positions(&cells, lane_count, columns, n);
        for ((_, _), members) in cells.iter_mut() {
            let mut keyed: Vec<(f64, usize, usize)> = members
                .iter()
                .enumerate()
                .map(|(k, &v)| {
                    let ys: Vec<f64> = neighbours[v].iter().map(|w| positions[*w]).collect();
                    let bary = if ys.is_empty() {
                        positions[v]
                    } else {
                        ys.iter().sum::<f64>() / ys.len() as f64
                    };
                    (bary, k, v)
                })
                .collect();
            keyed.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(&y.1)));
            *members = keyed.into_iter().map(|(_, _, v)| v).collect();
        }
    }

    // Geometry.
    let lane_rows: Vec<usize> = (0..lane_count)
        .map(|l| {
            (0..columns)
                .map(|c| cells.get(&(l, c)).map(Vec::len).unwrap_or(0))
                .max()
                .unwrap_or(0)
                .max(1)
        })
        .collect();
    let column_x =
        |c: usize| MARGIN + LANE_LABEL_WIDTH + 18.0 + c as f64 * (NODE_WIDTH + COLUMN_GAP);
    let width = column_x(columns) - COLUMN_GAP + 26.0 + MARGIN;
    let mut lane_rects = Vec::new();
    let mut y = MARGIN;
    for (l, role) in lanes.iter().enumerate() {
        let rows = lane_rows[l] as f64;
        let h = LANE_TITLE + rows * NODE_HEIGHT + (rows - 1.0) * NODE_GAP + LANE_PADDING;
        lane_rects.push(Lane {
            role: *role,
            rect: Rect {
                x: MARGIN,
                y,
                w: width - 2.0 * MARGIN,
                h,
            },
        });
        y += h + LANE_GAP;
    }
    let height = y - LANE_GAP + MARGIN;
    let mut rects: Vec<Option<Rect>> = vec![None; n];
    for (&(l, c), members) in &cells {
        let lane = &lane_rects[l].rect;
        let stack = members.len() as f64 * NODE_HEIGHT + (members.len() as f64 - 1.0) * NODE_GAP;
        let inner_top = lane.y + LANE_TITLE;
        let inner_height = lane.h - LANE_TITLE - LANE_PADDING;
        let top = inner_top + (inner_height - stack) / 2.0;
        for (k, &v) in members.iter().enumerate() {
            rects[v] = Some(Rect {
                x: column_x(c),
                y: top + k as f64 * (NODE_HEIGHT + NODE_GAP),
                w: NODE_WIDTH,
                h: NODE_HEIGHT,
            });
        }
    }
    let nodes: Vec<PlacedNode> = rects
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.map(|rect| PlacedNode { index: i, rect }))
        .collect();
    let rect_of = |i: usize| {
        rects[i].unwrap_or(Rect {
            x: 0.0,
            y: 0.0,
            w: 0.0,
            h: 0.0,
        })
    };

    // Sides: forward edges leave on the right and arrive on the left; edges back to an
    // earlier column leave on the left and arrive under (or over) their target; edges
    // within a column loop out to the right.
    let mut sides: Vec<(Side, Side)> = Vec::with_capacity(graph.edges.len());
    let mut ends: Vec<Option<(usize, usize)>> = Vec::with_capacity(graph.edges.len());
    for e in &graph.edges {
        let (Some(&a), Some(&b)) = (index.get(e.from.as_str()), index.get(e.to.as_str())) else {
            sides.push((Side::Right, Side::Left));
            ends.push(None);
            continue;
        };
        let (ra, rb) = (rect_of(a), rect_of(b));
        sides.push(if rb.x > ra.x + 1.0 {
            (Side::Right, Side::Left)
        } else if rb.x + 1.0 < ra.x {
            if rb.y + rb.h < ra.y {
                (Side::Left, Side::Bottom)
            } else if rb.y > ra.y + ra.h {
                (Side::Left, Side::Top)
            } else {
                (Side::Bottom, Side::Bottom)
            }
        } else {
            (Side::Right, Side::Right)
        });
        ends.push(Some((a, b)));
    }
    // Forward edges with one label that fan out of one node (or into one node) share
    // their port there, so they leave (or arrive) as one bundle.
    let mut fan_out: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    let mut fan_in: BTreeMap<(usize, &str), Vec<usize>> = BTreeMap::new();
    for (k, e) in graph.edges.iter().enumerate() {
        if let (Some((a, b)), (Side::Right, Side::Left)) = (ends[k], sides[k]) {
            fan_out.entry((a, e.label.as_str())).or_default().push(k);
            fan_in.entry((b, e.label.as_str())).or_default().push(k);
        }
    }
    let bundled_out: Vec<bool> = (0..graph.edges.len())
        .map(|k| fan_out.values().any(|g| g.len() >= 2 && g.contains(&k)))
        .collect();
    let bundled_in: Vec<bool> = (0..graph.edges.len())
        .map(|k| fan_in.values().any(|g| g.len() >= 2 && g.contains(&k)))
        .collect();
    // Slots along each side: one per edge, one per bundle, ordered by the other ends'
    // positions so that edges do not cross at the node.
    let side_key = |s: Side| match s {
        Side::Right => 0u8,
        Side::Left => 1,
        Side::Top => 2,
        Side::Bottom => 3,
    };
    // (node, side) → slot key → (sum of other-end positions, count, edges, outgoing)
    type Slot = (f64, usize, Vec<usize>, bool);
    let mut slots: BTreeMap<(usize, u8), BTreeMap<String, Slot>> = BTreeMap::new();
    for (k, e) in graph.edges.iter().enumerate() {
        let Some((a, b)) = ends[k] else { continue };
        let (sa, sb) = sides[k];
        let (ra, rb) = (rect_of(a), rect_of(b));
        let other_b = if matches!(sa, Side::Top | Side::Bottom) {
            rb.x
        } else {
            rb.y + rb.h / 2.0
        };
        let other_a = if matches!(sb, Side::Top | Side::Bottom) {
            ra.x
        } else {
            ra.y + ra.h / 2.0
        };
        let out_key = if bundled_out[k] {
            format!("out:{}", e.label)
        } else {
            format!("edge:{k}")
        };
        let in_key = if bundled_in[k] {
            format!("in:{}", e.label)
        } else {
            format!("edge:{k}")
        };
        let entry = slots
            .entry((a, side_key(sa)))
            .or_default()
            .entry(out_key)
            .or_insert((0.0, 0, Vec::new(), true));
        entry.0 += other_b;
        entry.1 += 1;
        entry.2.push(k);
        let entry = slots
            .entry((b, side_key(sb)))
            .or_default()
            .entry(in_key)
            .or_insert((0.0, 0, Vec::new(), false));
        entry.0 += other_a;
        entry.1 += 1;
        entry.2.push(k);
    }
    let mut start: Vec<(f64, f64)> = vec![(0.0, 0.0); graph.edges.len()];
    let mut end: Vec<(f64, f64)> = vec![(0.0, 0.0); graph.edges.len()];
    for ((v, side), group) in &slots {
        let mut list: Vec<(f64, &String, &Slot)> = group
            .iter()
            .map(|(key, slot)| (slot.0 / slot.1 as f64, key, slot))
            .collect();
        list.sort_by(|x, y| x.0.total_cmp(&y.0).then(x.1.cmp(y.1)));
        let r = rect_of(*v);
        let count = list.len() as f64;
        for (j, (_, _, slot)) in list.iter().enumerate() {
            let f = (j as f64 + 1.0) / (count + 1.0);
            let point = match side {
                0 => (r.x + r.w, r.y + 6.0 + (r.h - 12.0) * f),
                1 => (r.x, r.y + 6.0 + (r.h - 12.0) * f),
                2 => (r.x + 12.0 + (r.w - 24.0) * f, r.y),
                _ => (r.x + 12.0 + (r.w - 24.0) * f, r.y + r.h),
            };
            for &k in &slot.2 {
                if slot.3 {
                    start[k] = point;
                } else {
                    end[k] = point;
                }
            }
        }
    }
    let mut edges = Vec::new();
    for (k, e) in graph.edges.iter().enumerate() {
        if ends[k].is_none() {
            continue;
        }
        let (p0, p3) = (start[k], end[k]);
        let curve = match sides[k] {
            (Side::Right, Side::Left) => {
                let dx = ((p3.0 - p0.0) / 2.0).max(40.0);
                // Bundled ends share their tangent so the curves merge before the node.
                let c1 = if bundled_out[k] {
                    (p0.0 + 56.0, p0.1)
                } else {
                    (p0.0 + dx, p0.1)
                };
                let c2 = if bundled_in[k] {
                    (p3.0 - 56.0, p3.1)
                } else {
                    (p3.0 - dx, p3.1)
                };
                [p0, c1, c2, p3]
            }
            (Side::Left, Side::Bottom) | (Side::Left, Side::Top) => {
                let k1 = 0.65;
                [
                    p0,
                    (p0.0 - k1 * (p0.0 - p3.0), p0.1),
                    (p3.0, p3.1 + k1 * (p0.1 - p3.1)),
                    p3,
                ]
            }
            (Side::Bottom, Side::Bottom) => {
                let dip = 36.0 + (p0.0 - p3.0).abs() / 12.0;
                let low = p0.1.max(p3.1) + dip;
                [p0, (p0.0, low), (p3.0, low), p3]
            }
            _ => {
                let out = 46.0 + (p3.1 - p0.1).abs() / 10.0;
                let x = p0.0.max(p3.0) + out;
                [p0, (x, p0.1), (x, p3.1), p3]
            }
        };
        edges.push(PlacedEdge {
            index: k,
            curve,
            bus: None,
            label: None,
            style: e.style,
        });
    }
    route_buses(graph, &fan_in, &mut edges);
    place_labels(graph, &nodes, &mut edges);
    Layout {
        width,
        height,
        lanes: lane_rects,
        nodes,
        edges,
    }
}

/// Bundles of at least three edges from one column into one node share a vertical line
/// in the gap after that column: each edge runs right to it, down (or up) it, and into the
/// node, instead of a sheaf of crossing curves. Bundles leaving one column get lines side
/// by side, ordered by the height of their target.
fn route_buses(
    graph: &FlowGraph,
    fan_in: &BTreeMap<(usize, &str), Vec<usize>>,
    edges: &mut [PlacedEdge],
) {
    let position: BTreeMap<usize, usize> = edges
        .iter()
        .enumerate()
        .map(|(p, e)| (e.index, p))
        .collect();
    // Source column (its right edge) → bundles: (target height, placed edges).
    let mut by_column: BTreeMap<i64, Vec<(f64, Vec<usize>)>> = BTreeMap::new();
    for members in fan_in.values() {
        if members.len() < 3 {
            continue;
        }
        let placed: Vec<usize> = members
            .iter()
            .filter_map(|k| position.get(k).copied())
            .collect();
        // The column most members leave from.
        let mut counts: BTreeMap<i64, usize> = BTreeMap::new();
        for &p in &placed {
            *counts
                .entry(edges[p].curve[0].0.round() as i64)
                .or_default() += 1;
        }
        let Some((&column, &count)) = counts.iter().max_by_key(|(x, n)| (**n, -**x)) else {
            continue;
        };
        if count < 3 {
            continue;
        }
        let same: Vec<usize> = placed
            .into_iter()
            .filter(|p| edges[*p].curve[0].0.round() as i64 == column)
            .collect();
        let target_y = edges[same[0]].curve[3].1;
        by_column.entry(column).or_default().push((target_y, same));
    }
    for (column, mut bundles) in by_column {
        bundles.sort_by(|a, b| a.0.total_cmp(&b.0));
        for (i, (_, members)) in bundles.into_iter().enumerate() {
            let x = column as f64 + 14.0 + 11.0 * i as f64;
            for p in members {
                edges[p].bus = Some(x);
            }
        }
    }
    let _ = graph;
}

/// Estimated vertical positions (lane index first, then place in the cell), for ordering.
fn vertical_positions(
    cells: &BTreeMap<(usize, usize), Vec<usize>>,
    lanes: usize,
    columns: usize,
    n: usize,
) -> Vec<f64> {
    let mut pos = vec![0.0; n];
    for l in 0..lanes {
        for c in 0..columns {
            if let Some(members) = cells.get(&(l, c)) {
                let count = members.len() as f64;
                for (k, &v) in members.iter().enumerate() {
                    pos[v] = l as f64 * 100.0 + (k as f64 + 0.5) / count * 50.0;
                }
            }
        }
    }
    pos
}

/// A point of a cubic Bézier curve.
pub fn point_at(c: &[(f64, f64); 4], t: f64) -> (f64, f64) {
    let u = 1.0 - t;
    let (a, b, d, e) = (u * u * u, 3.0 * u * u * t, 3.0 * u * t * t, t * t * t);
    (
        a * c[0].0 + b * c[1].0 + d * c[2].0 + e * c[3].0,
        a * c[0].1 + b * c[1].1 + d * c[2].1 + e * c[3].1,
    )
}

/// The box a label of `text` takes around its centre.
pub fn label_box(text: &str, centre: (f64, f64)) -> Rect {
    let w = text.chars().count() as f64 * LABEL_CHAR + 8.0;
    Rect {
        x: centre.0 - w / 2.0,
        y: centre.1 - LABEL_HEIGHT / 2.0,
        w,
        h: LABEL_HEIGHT,
    }
}

/// Places labels: one per edge, except that edges fanning out of (or into) one node with
/// the same label share one, near that node; each label goes to the first spot along its
/// curve that overlaps no node and no label already placed.
fn place_labels(graph: &FlowGraph, nodes: &[PlacedNode], edges: &mut [PlacedEdge]) {
    let mut fan_out: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    let mut fan_in: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (k, pe) in edges.iter().enumerate() {
        let e = &graph.edges[pe.index];
        fan_out
            .entry((e.from.as_str(), e.label.as_str()))
            .or_default()
            .push(k);
        fan_in
            .entry((e.to.as_str(), e.label.as_str()))
            .or_default()
            .push(k);
    }
    // Which placed edge carries the label, and where along it to start looking.
    let mut carriers: Vec<(usize, f64)> = Vec::new();
    let mut done = vec![false; edges.len()];
    for group in fan_out.values().filter(|g| g.len() >= 2) {
        let mut g = group.clone();
        g.sort_by(|a, b| edges[*a].curve[3].1.total_cmp(&edges[*b].curve[3].1));
        carriers.push((g[g.len() / 2], 0.15));
        g.iter().for_each(|k| done[*k] = true);
    }
    for group in fan_in.values().filter(|g| g.len() >= 2) {
        let rest: Vec<usize> = group.iter().copied().filter(|k| !done[*k]).collect();
        if rest.len() < 2 {
            continue;
        }
        let mut g = rest;
        g.sort_by(|a, b| edges[*a].curve[0].1.total_cmp(&edges[*b].curve[0].1));
        let t = if edges[g[0]].bus.is_some() {
            0.75
        } else {
            0.88
        };
        carriers.push((g[g.len() / 2], t));
        g.iter().for_each(|k| done[*k] = true);
    }
    for (k, d) in done.iter().enumerate() {
        if !d {
            carriers.push((k, 0.5));
        }
    }
    carriers.sort_by_key(|(k, _)| *k);
    let mut taken: Vec<Rect> = nodes
        .iter()
        .map(|n| Rect {
            x: n.rect.x - 2.0,
            y: n.rect.y - 2.0,
            w: n.rect.w + 4.0,
            h: n.rect.h + 4.0,
        })
        .collect();
    for (k, t0) in carriers {
        let text = &graph.edges[edges[k].index].label;
        if text.is_empty() {
            continue;
        }
        let mut candidates = vec![t0];
        for step in [0.1, -0.1, 0.2, -0.2, 0.3, -0.3, 0.4, -0.4] {
            let t: f64 = t0 + step;
            if (0.08..=0.92).contains(&t) {
                candidates.push(t);
            }
        }
        let mut chosen = None;
        for t in &candidates {
            let p = edges[k].point(*t);
            let b = label_box(text, p);
            if !taken.iter().any(|r| r.overlaps(&b)) {
                chosen = Some((p, b));
                break;
            }
        }
        let (p, b) = chosen.unwrap_or_else(|| {
            let p = edges[k].point(t0);
            (p, label_box(text, p))
        });
        edges[k].label = Some(p);
        taken.push(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_follow_the_flow_and_break_cycles() {
        // 0 → 1 → 2 → 1 (cycle), 3 → 2, 4 alone.
        let r = ranks(5, &[(0, 1), (1, 2), (2, 1), (3, 2)]);
        assert_eq!(r[0], Some(0));
        assert_eq!(r[1], Some(1));
        assert_eq!(r[2], Some(2));
        // A source sits next to its successor.
        assert_eq!(r[3], Some(1));
        assert_eq!(r[4], None);
    }

    #[test]
    fn bezier_ends_are_the_curve_ends() {
        let c = [(0.0, 0.0), (10.0, 0.0), (20.0, 10.0), (30.0, 10.0)];
        assert_eq!(point_at(&c, 0.0), (0.0, 0.0));
        assert_eq!(point_at(&c, 1.0), (30.0, 10.0));
        let mid = point_at(&c, 0.5);
        assert!((mid.0 - 15.0).abs() < 1e-9 && (mid.1 - 5.0).abs() < 1e-9);
    }
}
