//! Each seed stack's report as a person sees it: headless Chromium renders the HTML to a
//! PNG, and the test checks that the diagram is drawn — the picture is not blank, and the
//! colours of the diagram's group frames are on it, over a sane area. Skips (and passes)
//! where Chromium is not installed; CI installs Debian's `chromium`.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use tfstack_model::environment::Environment;

const WIDTH: u32 = 1600;
const HEIGHT: u32 = 2600;

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

fn screenshot(chromium: &Path, html: &Path, png: &Path, profile: &Path) {
    let status = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("--window-size={WIDTH},{HEIGHT}"))
        .arg(format!("file://{}", html.display()))
        .output()
        .expect("chromium runs");
    assert!(status.status.success(), "chromium failed: {status:?}");
}

/// RGB pixels of a PNG.
fn pixels(png: &Path) -> (u32, u32, Vec<[u8; 3]>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(png).expect("the screenshot exists"),
    ));
    let mut reader = decoder.read_info().expect("a PNG");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a frame");
    let channels = info.color_type.samples();
    let data = &buf[..info.buffer_size()];
    let px = data.chunks(channels).map(|c| [c[0], c[1], c[2]]).collect();
    (info.width, info.height, px)
}

fn hex(color: &str) -> [u8; 3] {
    let v = u32::from_str_radix(color.trim_start_matches('#'), 16).expect("hex colour");
    [(v >> 16) as u8, (v >> 8) as u8, v as u8]
}

fn near(a: [u8; 3], b: [u8; 3]) -> bool {
    a.iter().zip(b).all(|(x, y)| x.abs_diff(y) <= 3)
}

#[test]
fn each_seed_stack_report_draws_its_diagram() {
    let Some(chromium) = chromium() else {
        println!("skipped: chromium not found (install Debian's `chromium` to run this test)");
        return;
    };
    let dir = tempfile::tempdir().expect("tempdir");
    for (name, _) in tfstack_stacks::STACKS {
        let review = common::stack_review(name, Environment::prod());
        let html = review.render_html().expect("renders");
        // The SVG's own size is sane: wide enough to read, not absurd.
        let svg = review.render_svg();
        let attr = |key: &str| -> f64 {
            let start = svg.find(&format!("{key}=\"")).expect("attribute") + key.len() + 2;
            svg[start..]
                .split('"')
                .next()
                .and_then(|v| v.parse().ok())
                .expect("a number")
        };
        let (w, h) = (attr("width"), attr("height"));
        assert!((300.0..=4000.0).contains(&w), "{name}: SVG width {w}");
        assert!((150.0..=4000.0).contains(&h), "{name}: SVG height {h}");

        let page = dir.path().join(format!("{name}.html"));
        std::fs::write(&page, html).expect("write");
        let png = dir.path().join(format!("{name}.png"));
        let profile = tempfile::tempdir().expect("a fresh profile");
        screenshot(&chromium, &page, &png, profile.path());
        let (width, height, px) = pixels(&png);
        assert_eq!((width, height), (WIDTH, HEIGHT), "{name}: screenshot size");
        let white = px.iter().filter(|p| near(**p, [255, 255, 255])).count();
        assert!(white < px.len() * 97 / 100, "{name}: the page is blank");
        // Each group of the diagram is a frame filled with its colour: those colours are
        // on screen, each over a real area.
        let groups: std::collections::BTreeSet<_> =
            review.flow_graph().nodes.iter().map(|n| n.role).collect();
        for role in groups {
            let fill = hex(tfstack_review::Role::fill(role));
            let count = px.iter().filter(|p| near(**p, fill)).count();
            assert!(
                count > 2_000,
                "{name}: the {role:?} group frame is not drawn ({count} pixels)"
            );
        }
    }
}
